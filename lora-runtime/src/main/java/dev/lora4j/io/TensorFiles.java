package dev.lora4j.io;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Tensors to and from safetensors files: the bridge between {@link Tensor} and the file formats. */
public final class TensorFiles {
    private TensorFiles() {}

    /**
     * Writes tensors (each in its own dtype) and metadata to path atomically (temp file + rename).
     *
     * @param tensors  the tensors to write, by name (any device; copied to host memory for writing)
     * @param metadata the {@code __metadata__} string map, or null to write none
     * @param path     the file to write; its parent directory must exist
     * @throws Lora4jException when a name or metadata entry is invalid or the file cannot be written
     */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path path) {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsWriter writer = new SafetensorsWriter();
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                DType type = t.dtype();
                long bytes = t.numel() * type.byteSize();
                MemorySegment data = arena.allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
                t.copyTo(data, type);
                writer.add(e.getKey(), type, t.shape(), data);
            }
            writer.metadata(metadata).write(path);
        }
    }

    /**
     * Copies a stored tensor into a new tensor on device, checking its shape against expected (null:
     * any shape). The stored dtype is kept; convert with {@link Tensor#to} where needed.
     *
     * @param file     the open safetensors file
     * @param name     the tensor's name in the file
     * @param device   where to create the new tensor
     * @param expected the shape the tensor must have, or null to accept any
     * @return a new tensor holding a copy of the stored data, in the stored dtype
     * @throws Lora4jException when the tensor is missing or its shape differs from {@code expected}
     */
    public static Tensor read(SafetensorsFile file, String name, Device device, long[] expected) {
        if (!file.contains(name)) {
            throw new Lora4jException("safetensors", file.path() + ": no tensor \"" + name + "\"");
        }
        TensorInfo info = file.info(name);
        if (expected != null && !Arrays.equals(expected, info.shape())) {
            throw new Lora4jException("safetensors", file.path() + ": tensor \"" + name + "\" has shape "
                    + Arrays.toString(info.shape()) + " but " + Arrays.toString(expected) + " is expected");
        }
        return Tensor.of(file.data(name), info.dtype(), device, info.shape());
    }

    /**
     * Copies every tensor of file into the tensor of the same name in targets (converting dtype, on the
     * targets' device), after checking that the file holds exactly those names with matching shapes;
     * nothing is changed when a check fails. Runs without grad, so parameters can be targets.
     *
     * @param targets the tensors to fill, by name; changed in place
     * @param path    the safetensors file to read
     * @throws Lora4jException when the file cannot be opened, its names differ from the targets' names, or a
     *     shape differs
     */
    public static void copyInto(Map<String, Tensor> targets, Path path) {
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            Set<String> unexpected = new LinkedHashSet<>(file.names());
            unexpected.removeAll(targets.keySet());
            if (!unexpected.isEmpty()) {
                throw new Lora4jException("safetensors", path + ": unexpected tensors: " + some(unexpected));
            }
            Set<String> missing = new LinkedHashSet<>(targets.keySet());
            missing.removeAll(file.names());
            if (!missing.isEmpty()) {
                throw new Lora4jException("safetensors", path + ": missing tensors: " + some(missing));
            }
            for (Map.Entry<String, Tensor> e : targets.entrySet()) {
                long[] stored = file.info(e.getKey()).shape();
                if (!Arrays.equals(stored, e.getValue().shape())) {
                    throw new Lora4jException("safetensors", path + ": tensor \"" + e.getKey() + "\" has shape "
                            + Arrays.toString(stored) + " but " + Arrays.toString(e.getValue().shape()) + " is expected");
                }
            }
            try (var scope = dev.lora4j.tensor.Scope.open(); var noGrad = dev.lora4j.tensor.Autograd.noGrad()) {
                for (Map.Entry<String, Tensor> e : targets.entrySet()) {
                    Tensor target = e.getValue();
                    target.copyFrom(read(file, e.getKey(), target.device(), null));
                }
            }
        }
    }

    private static String some(Set<String> names) {
        StringBuilder b = new StringBuilder();
        Iterator<String> it = names.iterator();
        for (int i = 0; i < 5 && it.hasNext(); i++) {
            b.append(i == 0 ? "" : ", ").append(it.next());
        }
        return names.size() > 5 ? b + " … (" + names.size() + " in all)" : b.toString();
    }
}
