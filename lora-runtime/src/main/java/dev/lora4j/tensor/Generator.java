package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import dev.lora4j.internal.Native;
import dev.lora4j.bindings.lora4j_h;

import java.lang.foreign.MemorySegment;

/** A seeded random generator for one device, so random draws and dropout masks are reproducible. */
public final class Generator implements AutoCloseable {
    private MemorySegment handle;

    /**
     * A CPU generator.
     *
     * @param seed the initial seed
     */
    public Generator(long seed) {
        this(seed, Device.CPU);
    }

    /**
     * A generator for one device.
     *
     * @param seed the initial seed
     * @param device the device whose tensors it draws for (the CPU or a CUDA device)
     */
    public Generator(long seed, Device device) {
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_generator_new(seed, device.type().code, device.index(), out));
            handle = Native.readPointer(out);
        }
    }

    /**
     * Reseeds the generator, restarting its sequence.
     *
     * @param seed the new seed
     */
    public void setSeed(long seed) {
        Native.check(lora4j_h.l4j_generator_set_seed(handle(), seed));
    }

    MemorySegment handle() {
        if (handle == null) {
            throw new Lora4jException("generator", "use of a closed generator");
        }
        return handle;
    }

    /** The handle to pass to a native call: NULL for "the default generator". */
    static MemorySegment handleOrNull(Generator gen) {
        return gen == null ? MemorySegment.NULL : gen.handle();
    }

    /** Frees the native generator; calling it again does nothing. */
    @Override
    public void close() {
        if (handle != null) {
            MemorySegment h = handle;
            handle = null;
            Native.check(lora4j_h.l4j_generator_free(h));
        }
    }
}
