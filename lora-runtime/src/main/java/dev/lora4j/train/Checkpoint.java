package dev.lora4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.AtomicFiles;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Checkpoints under {@code <run>/checkpoints/step-NNNNNNNN/}: the trained weights (PEFT adapter or
 * transformers model), {@code optimizer.safetensors} (AdamW's moments per parameter name, step counts
 * in the metadata) and {@code trainer_state.json}. A checkpoint is written into a temporary directory
 * and renamed into place, then {@code latest} is replaced atomically, so a run killed at any moment
 * leaves the previous checkpoint whole.
 */
public final class Checkpoint {
    static final String STATE_FILE = "trainer_state.json";
    static final String OPTIMIZER_FILE = "optimizer.safetensors";
    static final String WEIGHTS_DIR = "weights";
    private static final String LATEST = "latest";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {}

    /**
     * Where a run keeps its checkpoints.
     *
     * @param runDir the run directory
     * @return {@code runDir/checkpoints} (not created)
     */
    public static Path checkpointsDir(Path runDir) {
        return runDir.resolve("checkpoints");
    }

    /** Writes a checkpoint for state and returns its directory; keeps the newest {@code keep}. */
    static Path write(Path runDir, TrainableModel model, AdamW optimizer, List<String> paramNames, TrainingState state,
                      int keep) {
        return write(runDir, model, optimizer, paramNames, state, keep, 1);
    }

    /** As {@link #write(Path, TrainableModel, AdamW, List, TrainingState, int)}, recording the data-parallel world size. */
    static Path write(Path runDir, TrainableModel model, AdamW optimizer, List<String> paramNames, TrainingState state,
                      int keep, int worldSize) {
        Path root = checkpointsDir(runDir);
        String name = String.format("step-%08d", state.step());
        Path tmp = root.resolve(name + ".tmp-" + UUID.randomUUID());
        Path target = root.resolve(name);
        try {
            Files.createDirectories(tmp);
            model.saveWeights(tmp.resolve(WEIGHTS_DIR));
            writeOptimizer(tmp.resolve(OPTIMIZER_FILE), optimizer, paramNames);
            AtomicFiles.write(tmp.resolve(STATE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(stateJson(state, worldSize, cpuGemmOf(model))));
            if (Files.exists(target)) {
                deleteTree(target); // a checkpoint of the same step from an interrupted earlier attempt
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            AtomicFiles.write(root.resolve(LATEST), name.getBytes(StandardCharsets.UTF_8));
            prune(root, keep);
            return target;
        } catch (IOException e) {
            throw new Lora4jException("checkpoint", "cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (Files.exists(tmp)) {
                try {
                    deleteTree(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temporary directory is ignored by latest()
                }
            }
        }
    }

    private static void writeOptimizer(Path file, AdamW optimizer, List<String> paramNames) {
        try (Scope scope = Scope.open()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> steps = new LinkedHashMap<>();
            for (int i = 0; i < paramNames.size(); i++) {
                AdamW.State s = optimizer.state(i);
                if (s.expAvg() != null) {
                    tensors.put("exp_avg." + paramNames.get(i), s.expAvg());
                    tensors.put("exp_avg_sq." + paramNames.get(i), s.expAvgSq());
                    steps.put("step." + paramNames.get(i), Long.toString(s.step()));
                }
            }
            steps.put("format", "lora4j-adamw");
            TensorFiles.save(tensors, steps, file);
        }
    }

    /** The CPU GEMM library a model on the CPU trains with, null for a model on a GPU. */
    private static String cpuGemmOf(TrainableModel model) {
        return model.model().device().isCuda() ? null : NativeLibrary.cpuGemmLibrary();
    }

    private static ObjectNode stateJson(TrainingState s, int worldSize, String cpuGemm) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", s.step());
        o.put("epoch", s.epoch());
        o.put("batch_in_epoch", s.batchInEpoch());
        if (Double.isFinite(s.bestEvalLoss())) {
            o.put("best_eval_loss", s.bestEvalLoss());
        } else {
            o.putNull("best_eval_loss");
        }
        o.put("evals_without_improvement", s.evalsWithoutImprovement());
        o.put("tokens_seen", s.tokensSeen());
        o.put("world_size", worldSize);
        if (cpuGemm != null) {
            o.put("cpu_gemm", cpuGemm); // the float32 GEMM library the run used on the CPU, restored on resume
        }
        return o;
    }

    /**
     * The number of data-parallel processes that wrote a checkpoint (1 for checkpoints before the field existed).
     *
     * @param checkpointDir a {@code step-NNNNNNNN} directory
     * @return the world size recorded in its trainer_state.json
     */
    public static int worldSize(Path checkpointDir) {
        Path file = checkpointDir.resolve(STATE_FILE);
        try {
            JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8)).path("world_size");
            return n.canConvertToInt() ? n.asInt() : 1;
        } catch (IOException e) {
            throw new Lora4jException("checkpoint", file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The library a run on the CPU computed its float32 frozen-weight products with ({@link
     * NativeLibrary#cpuGemmLibrary()}), from a checkpoint's trainer_state.json.
     *
     * @param checkpointDir a {@code step-N} directory
     * @return {@code "aten"} or {@code "onednn"}; null for a run on a GPU or a checkpoint from before the field
     */
    static String cpuGemm(Path checkpointDir) {
        Path file = checkpointDir.resolve(STATE_FILE);
        try {
            JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8)).path("cpu_gemm");
            if (n.isMissingNode() || n.isNull()) {
                return null;
            }
            if (!n.asText().equals("aten") && !n.asText().equals("onednn")) {
                throw new Lora4jException("checkpoint", file + ": cpu_gemm must be \"aten\" or \"onednn\", got " + n);
            }
            return n.asText();
        } catch (IOException e) {
            throw new Lora4jException("checkpoint", file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The optimizer step a checkpoint was written after (from its trainer_state.json).
     *
     * @param checkpointDir a {@code step-NNNNNNNN} directory
     * @return the optimizer steps taken when it was written, at least 0
     */
    public static long step(Path checkpointDir) {
        Path file = checkpointDir.resolve(STATE_FILE);
        try {
            JsonNode step = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8)).path("step");
            if (!step.canConvertToLong() || step.asLong() < 0) {
                throw new Lora4jException("checkpoint", file + ": no valid \"step\"");
            }
            return step.asLong();
        } catch (IOException e) {
            throw new Lora4jException("checkpoint", file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the temporary directories ({@code step-N.tmp-*}) that a run killed while writing a checkpoint
     * leaves behind; they are never resumed from and would otherwise pile up. Only safe while the caller
     * holds the run directory's lock (another process may be writing one). Returns how many went.
     *
     * @param runDir the run directory
     * @return the number of temporary directories deleted
     */
    public static int removeStaleTemporaries(Path runDir) {
        Path root = checkpointsDir(runDir);
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, "step-*.tmp-*")) {
            for (Path d : dirs) {
                deleteTree(d);
                removed++;
            }
        } catch (IOException e) {
            throw new Lora4jException("checkpoint", "cannot remove stale temporary checkpoints in " + root + ": " + e.getMessage(), e);
        }
        return removed;
    }

    /**
     * The newest complete checkpoint of a run, or null if it has none.
     *
     * @param runDir the run directory
     * @return the checkpoint {@code latest} names if it is complete, else the highest-numbered complete
     *         one, or null
     */
    public static Path latest(Path runDir) {
        Path root = checkpointsDir(runDir);
        Path pointer = root.resolve(LATEST);
        try {
            if (Files.isRegularFile(pointer)) {
                Path dir = root.resolve(Files.readString(pointer, StandardCharsets.UTF_8).trim());
                if (Files.isRegularFile(dir.resolve(STATE_FILE))) {
                    return dir;
                }
            }
            if (!Files.isDirectory(root)) {
                return null;
            }
            try (Stream<Path> dirs = Files.list(root)) {
                return dirs.filter(d -> d.getFileName().toString().matches("step-\\d{8}"))
                        .filter(d -> Files.isRegularFile(d.resolve(STATE_FILE)))
                        .max(Comparator.comparing(d -> d.getFileName().toString())).orElse(null);
            }
        } catch (IOException e) {
            throw new Lora4jException("checkpoint", "cannot read " + root + ": " + e.getMessage(), e);
        }
    }

    /** Restores weights, optimizer moments and the training state from a checkpoint directory. */
    static TrainingState restore(Path dir, TrainableModel model, AdamW optimizer, List<String> paramNames) {
        return restore(dir, model, optimizer, paramNames, 1);
    }

    /**
     * As {@link #restore(Path, TrainableModel, AdamW, List)} for a run on worldSize ranks: refuses a
     * checkpoint written by another number of ranks (its global batch, and so its data position, differ).
     */
    static TrainingState restore(Path dir, TrainableModel model, AdamW optimizer, List<String> paramNames, int worldSize) {
        int written = worldSize(dir);
        if (written != worldSize) {
            throw new Lora4jException("checkpoint", dir + " was written by a run on " + written + " process(es), this one has "
                    + worldSize + ": resume with the same number of processes (the global batch and data position depend on it), "
                    + "or start a new run directory from its weights (--init-adapter " + dir.resolve(WEIGHTS_DIR) + ")");
        }
        TensorFiles.copyInto(model.savedTensors(), dir.resolve(WEIGHTS_DIR).resolve(model.weightsFile()));
        Path optimizerFile = dir.resolve(OPTIMIZER_FILE);
        try (SafetensorsFile file = SafetensorsFile.open(optimizerFile); Scope scope = Scope.open()) {
            Map<String, String> meta = file.metadata();
            for (int i = 0; i < paramNames.size(); i++) {
                String name = paramNames.get(i);
                if (!file.contains("exp_avg." + name)) {
                    continue; // not stepped yet when the checkpoint was written
                }
                Tensor param = model.trainableParameters().get(name);
                Tensor m = TensorFiles.read(file, "exp_avg." + name, param.device(), param.shape());
                Tensor v = TensorFiles.read(file, "exp_avg_sq." + name, param.device(), param.shape());
                String step = meta.get("step." + name);
                if (step == null) {
                    throw new Lora4jException("checkpoint", optimizerFile + ": no step count for " + name);
                }
                optimizer.setState(i, m, v, Long.parseLong(step));
            }
        }
        try {
            JsonNode o = JSON.readTree(Files.readString(dir.resolve(STATE_FILE), StandardCharsets.UTF_8));
            JsonNode best = o.path("best_eval_loss");
            return new TrainingState(o.path("step").asLong(), o.path("epoch").asInt(), o.path("batch_in_epoch").asInt(),
                    best.isNumber() ? best.asDouble() : Double.POSITIVE_INFINITY,
                    o.path("evals_without_improvement").asInt(), o.path("tokens_seen").asLong());
        } catch (IOException e) {
            throw new Lora4jException("checkpoint", dir.resolve(STATE_FILE) + ": " + e.getMessage(), e);
        }
    }

    private static void prune(Path root, int keep) throws IOException {
        List<Path> complete = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, "step-*")) {
            for (Path d : dirs) {
                if (d.getFileName().toString().matches("step-\\d{8}")) {
                    complete.add(d);
                }
            }
        }
        complete.sort(Comparator.comparing(d -> d.getFileName().toString()));
        for (int i = 0; i < complete.size() - keep; i++) {
            deleteTree(complete.get(i));
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
