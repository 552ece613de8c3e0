package dev.lora4j.tensor;

import dev.lora4j.internal.Native;
import dev.lora4j.bindings.lora4j_h;

import java.lang.foreign.MemorySegment;

/** Gradient recording mode, which libtorch keeps per thread. */
public final class Autograd {
    private Autograd() {}

    /** Restores the previous grad mode on close. */
    public static final class Mode implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Mode(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                Native.check(lora4j_h.l4j_set_grad_enabled(previous ? 1 : 0, MemorySegment.NULL));
            }
        }
    }

    /**
     * Stops recording gradients on this thread until the returned mode is closed.
     *
     * @return the mode to close (try-with-resources) to restore the previous setting
     */
    public static Mode noGrad() {
        return setEnabled(false);
    }

    /**
     * Turns gradient recording on or off on this thread until the returned mode is closed.
     *
     * @param enabled whether operations record gradients
     * @return the mode to close to restore the previous setting
     */
    public static Mode setEnabled(boolean enabled) {
        try (var f = Native.frame()) {
            MemorySegment previous = f.intOut();
            Native.check(lora4j_h.l4j_set_grad_enabled(enabled ? 1 : 0, previous));
            return new Mode(Native.readInt(previous) != 0);
        }
    }

    /**
     * Whether gradient recording is on for this thread.
     *
     * @return true if operations on this thread record gradients
     */
    public static boolean isEnabled() {
        try (var f = Native.frame()) {
            MemorySegment out = f.intOut();
            Native.check(lora4j_h.l4j_is_grad_enabled(out));
            return Native.readInt(out) != 0;
        }
    }
}
