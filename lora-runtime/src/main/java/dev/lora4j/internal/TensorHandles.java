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
        /**
         * The tensor's native handle.
         *
         * @param tensor an open tensor
         * @return its handle, still owned by the tensor
         * @throws dev.lora4j.Lora4jException if the tensor is closed
         */
        MemorySegment handle(Tensor tensor);

        /**
         * Wraps a handle a native call returned in a new tensor that owns it.
         *
         * @param handle a non-NULL tensor handle nobody else owns
         * @return the new tensor, in the current scope if one is open
         */
        Tensor adopt(MemorySegment handle);
    }

    private static volatile Access access;

    private TensorHandles() {}

    /**
     * Called once, from Tensor's static initialiser.
     *
     * @param bridge Tensor's implementation of the bridge
     * @throws IllegalStateException if a bridge is already installed
     */
    public static void install(Access bridge) {
        if (access != null) {
            throw new IllegalStateException("tensor handles are already bridged");
        }
        access = bridge;
    }

    /**
     * The tensor's native handle.
     *
     * @param tensor an open tensor
     * @return its handle, still owned by the tensor (do not free it)
     * @throws dev.lora4j.Lora4jException if the tensor is closed
     */
    public static MemorySegment of(Tensor tensor) {
        return access().handle(tensor);
    }

    /**
     * A new tensor owning a handle a native call returned.
     *
     * @param handle a tensor handle nobody else owns; must not be NULL
     * @return the new tensor, in the current scope if one is open
     * @throws dev.lora4j.Lora4jException if the handle is NULL
     */
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
