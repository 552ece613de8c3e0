package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
/**
 * Where a tensor lives: the CPU, or a CUDA device by index (-1 = the current one).
 *
 * @param type the kind of device
 * @param index the CUDA device index, or -1 for the current device; always -1 for the CPU (0 is accepted and
 *     turned into -1)
 */
public record Device(Type type, int index) {
    /** The kind of device. */
    public enum Type {
        /** Host memory, computed by libtorch's CPU kernels. */
        CPU(0),
        /** An NVIDIA GPU, through libtorch's CUDA backend (needs a CUDA build of the shim and libtorch). */
        CUDA(1);

        final int code;

        Type(int code) {
            this.code = code;
        }

        static Type fromCode(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new Lora4jException("device", "unknown device type code " + code);
        }
    }

    /** The CPU (host memory). */
    public static final Device CPU = new Device(Type.CPU, -1);

    /**
     * Checks and normalises the components.
     *
     * @throws Lora4jException if the CPU is given an index other than -1 or 0, or the index is below -1
     */
    public Device {
        if (type == Type.CPU && index != -1 && index != 0) {
            throw new Lora4jException("device", "the CPU has no device index " + index);
        }
        if (type == Type.CPU) {
            index = -1;
        }
        if (index < -1) {
            throw new Lora4jException("device", "device index must be >= -1, got " + index);
        }
    }

    /**
     * A CUDA device.
     *
     * @param index the device index, or -1 for the current device
     * @return the device
     */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /**
     * Parses "cpu", "cuda" or "cuda:N" (case and surrounding blanks are ignored).
     *
     * @param text the device name
     * @return the device it names
     * @throws Lora4jException if the text names no device
     */
    public static Device parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("cuda")) {
            return cuda(-1);
        }
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new Lora4jException("device", "cannot parse device \"" + text + "\" (expected cpu, cuda or cuda:N)");
    }

    /**
     * Whether this is a CUDA device.
     *
     * @return true for CUDA, false for the CPU
     */
    public boolean isCuda() {
        return type == Type.CUDA;
    }

    /**
     * The name {@link #parse} accepts.
     *
     * @return {@code "cpu"}, {@code "cuda"} or {@code "cuda:N"}
     */
    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : index < 0 ? "cuda" : "cuda:" + index;
    }
}
