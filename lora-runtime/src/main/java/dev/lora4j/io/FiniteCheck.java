package dev.lora4j.io;

import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Refuses NaN and infinite values where they would otherwise pass silently: a weight file with one NaN
 * makes a model that summarizes to empty strings, trains to NaN, or merges into a NaN checkpoint, and no
 * later step names the cause. One pass over each floating-point tensor (a reduction, no copy kept), once
 * per loaded file, so the cost is a fraction of loading it. The error names the tensor and the file.
 */
public final class FiniteCheck {
    private FiniteCheck() {}

    /**
     * Every floating-point tensor of a safetensors file is finite, or a {@link Lora4jException} names the
     * first that is not.
     *
     * @param safetensors the safetensors file to check; must exist
     * @throws Lora4jException when the file is invalid or a tensor holds NaN or an infinity
     */
    public static void file(Path safetensors) {
        try (SafetensorsFile file = SafetensorsFile.open(safetensors)) {
            for (String name : file.names()) {
                TensorInfo info = file.info(name);
                if (!info.dtype().isFloatingPoint() || info.numel() == 0) {
                    continue;
                }
                try (Scope scope = Scope.open()) {
                    Tensor t = Tensor.of(file.data(name), info.dtype(), Device.CPU, info.shape());
                    if (!t.allFinite()) {
                        throw nonFinite(name, safetensors.toString());
                    }
                }
            }
        }
    }

    /**
     * Every safetensors file of a checkpoint or adapter directory (all shards), as {@link #file(Path)}.
     *
     * @param dir the directory whose {@code *.safetensors} files are checked, in name order
     * @throws Lora4jException when the directory cannot be listed, a file is invalid, or a tensor is not
     *     finite
     */
    public static void directory(Path dir) {
        List<Path> files;
        try (Stream<Path> entries = Files.list(dir)) {
            files = entries.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new Lora4jException("io", "cannot list " + dir + ": " + e.getMessage(), e);
        }
        files.forEach(FiniteCheck::file);
    }

    /**
     * Tensors in memory (e.g. a merge's result before it is saved) are finite.
     *
     * @param tensors the tensors to check, by name
     * @param what    where they come from or go to, for the message
     * @throws Lora4jException when a floating-point tensor holds NaN or an infinity
     */
    public static void tensors(Map<String, Tensor> tensors, String what) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (t.dtype().isFloatingPoint() && t.numel() > 0 && !t.allFinite()) {
                throw nonFinite(e.getKey(), what);
            }
        }
    }

    private static Lora4jException nonFinite(String tensor, String where) {
        return new Lora4jException("non-finite", "tensor \"" + tensor + "\" of " + where
                + " holds NaN or infinite values: the file is damaged or came from a diverged run; use another checkpoint");
    }
}
