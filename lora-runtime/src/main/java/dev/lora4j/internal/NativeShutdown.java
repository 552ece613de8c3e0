package dev.lora4j.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets the JVM exit (Ctrl-C, SIGTERM, {@code System.exit} on another thread) while a thread is training.
 *
 * <p>When the JVM exits it runs the C++ static destructors of every loaded library, libtorch's included,
 * without stopping threads that are inside native code; a thread still inside libtorch then touches
 * destroyed globals and the process dies with SIGSEGV and an hs_err file instead of exiting. This
 * shutdown hook closes a gate that every downcall passes on its way back ({@link Native#check}), then
 * waits until no thread is inside a lora4j downcall: threads returning from one stay parked in Java,
 * where the exiting JVM stops them safely. Native calls made by other shutdown hooks still run: a thread
 * is held at the gate for at most {@link #HOLD} and then released.
 */
public final class NativeShutdown {
    /** How long the hook waits for threads to come out of native code before letting the exit go on. */
    static final Duration WAIT = Duration.ofSeconds(60);
    /** How long a thread is held at the closed gate. */
    static final Duration HOLD = Duration.ofMinutes(5);

    private static final String BINDINGS = "dev.lora4j.bindings.lora4j_h";
    private static volatile boolean closing;
    private static volatile Thread hook;

    private NativeShutdown() {}

    /** Installs the hook once, when the library is loaded. */
    public static synchronized void install() {
        if (hook != null) {
            return;
        }
        hook = new Thread(NativeShutdown::drain, "lora4j-native-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException alreadyExiting) {
            // Loaded during shutdown: nothing can be guarded any more.
        }
    }

    /** Called after every downcall: during shutdown, parks the calling thread outside native code. */
    static void passGate() {
        if (closing && Thread.currentThread() != hook) {
            LockSupport.parkNanos(HOLD.toNanos());
        }
    }

    private static void drain() {
        closing = true;
        long deadline = System.nanoTime() + WAIT.toNanos();
        int quietSamples = 0;
        // Two samples in a row with nobody inside a downcall: a thread between two calls has had time
        // to enter the next one and come back to the gate.
        while (quietSamples < 2 && System.nanoTime() < deadline) {
            quietSamples = anyThreadInNativeCall() ? 0 : quietSamples + 1;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean anyThreadInNativeCall() {
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            if (entry.getKey() == Thread.currentThread()) {
                continue;
            }
            for (StackTraceElement frame : entry.getValue()) {
                if (frame.getClassName().startsWith(BINDINGS)) {
                    return true;
                }
            }
        }
        return false;
    }
}
