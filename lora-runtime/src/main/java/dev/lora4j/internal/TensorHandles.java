package dev.lora4j.internal;

import dev.lora4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The bridge between a {@link Tensor} and its native handle, for the library's own packages that make
 * downcalls (optimizers, fused ops). Tensor keeps handle() and adopt() package-private, so users never
 * see a raw handle; it installs this bridge when its class initialises. This package is not exported
 * by the module.
 */
public final class TensorHandles {
    /** What Tensor offers its own library. */
    public interface Access {
        MemorySegment handle(Tensor tensor);

        Tensor adopt(MemorySegment handle);
    }

    private static volatile Access access;

    private TensorHandles() {}

    /** Called once, from Tensor's static initialiser. */
    public static void install(Access bridge) {
        if (access != null) {
            throw new IllegalStateException("tensor handles are already bridged");
        }
        access = bridge;
    }

    /** The tensor's native handle (throws if the tensor is closed). */
    public static MemorySegment of(Tensor tensor) {
        return access().handle(tensor);
    }

    /** A new tensor owning a handle a native call returned. */
    public static Tensor adopt(MemorySegment handle) {
        return access().adopt(handle);
    }

    private static Access access() {
        Access a = access;
        if (a == null) {
            try {
                Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader()); // runs Tensor's initialiser
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = access;
        }
        return a;
    }
}
