package dev.lora4j.train;

import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the trainer trains: an adapter of any method over a frozen model ({@link #adapter}), or the
 * whole model ({@link #full}). Both save their weights in the format the Python tools read (the
 * method's reference adapter directory, or a transformers checkpoint).
 */
public interface TrainableModel {
    /**
     * The model that is trained (wrapped by the adapter, if any).
     *
     * @return the model; not closed by this object
     */
    T5ForConditionalGeneration model();

    /**
     * The parameters the optimizer updates, by state-dict name, in a stable order.
     *
     * @return a map of the tensors to optimize (for mixed-precision full training, the float32 masters)
     */
    Map<String, Tensor> trainableParameters();

    /**
     * Training mode for the next micro-batch, its dropout keyed by key.
     *
     * @param key the key the micro-batch's dropout masks are derived from
     */
    void train(RandomKey key);

    /** Evaluation mode: no dropout. */
    void eval();

    /**
     * Saves the trained weights into dir in the Python tools' layout.
     *
     * @param dir the directory to write into
     */
    void saveWeights(Path dir);

    /**
     * The file saveWeights writes the tensors to, and the tensors a resume copies back from it.
     *
     * @return the file name within a saveWeights directory
     */
    String weightsFile();

    /**
     * The tensors {@link #saveWeights} writes to {@link #weightsFile()}, which a resume copies back into.
     *
     * @return the tensors by name, under the keys of the weights file; a resume copies the saved values into them
     */
    Map<String, Tensor> savedTensors();

    /**
     * One micro-batch's training loss from forward (the model run on it), as the method defines it: the
     * cross-entropy unless an adapter adds a regularizer ({@link dev.lora4j.peft.Adapter#trainingLoss}).
     *
     * @param forward runs the model on the micro-batch
     * @param labels  the micro-batch's labels (B, T), -100 at ignored positions
     * @param key     the micro-batch's random key
     * @return the 0-dim loss to back-propagate, in the caller's scope
     */
    default Tensor trainingLoss(java.util.function.Supplier<dev.lora4j.t5.T5Output> forward, Tensor labels, RandomKey key) {
        return forward.get().loss();
    }

    /** After backward (every micro-batch of a step): the gradients go where the optimizer reads them. */
    default void afterBackward() {}

    /** After an optimizer step, or after a checkpoint was restored: the model takes the trained values. */
    default void afterUpdate() {}

    /** When training ends, normally or not: frees what training alone needed. */
    default void endTraining() {}

    /**
     * An adapter of any method: its trainable tensors train, it saves as the method's adapter directory.
     *
     * @param peft                the adapted model
     * @param baseModelNameOrPath what the saved adapter config names as its base model
     * @return a view of peft for the trainer; closing peft stays the caller's job
     */
    static TrainableModel adapter(PeftModel peft, String baseModelNameOrPath) {
        return new TrainableModel() {
            @Override
            public T5ForConditionalGeneration model() {
                return peft.model();
            }

            @Override
            public Map<String, Tensor> trainableParameters() {
                return peft.trainableParameters();
            }

            @Override
            public void train(RandomKey key) {
                peft.train(key);
            }

            @Override
            public Tensor trainingLoss(java.util.function.Supplier<dev.lora4j.t5.T5Output> forward, Tensor labels, RandomKey key) {
                return peft.adapter().trainingLoss(forward, labels, key);
            }

            @Override
            public void eval() {
                peft.eval();
            }

            /** Written beside the adapter files when the method resumes from other tensors than it saves. */
            private static final String RESUME_FILE = "resume_state.safetensors";

            @Override
            public void saveWeights(Path dir) {
                peft.save(dir, baseModelNameOrPath);
                Map<String, Tensor> resume = peft.adapter().resumeState();
                if (resume != null) {
                    dev.lora4j.io.TensorFiles.save(resume, Map.of("format", "pt"), dir.resolve(RESUME_FILE));
                }
            }

            @Override
            public String weightsFile() {
                return peft.adapter().resumeState() != null ? RESUME_FILE : peft.method().weightsFile();
            }

            @Override
            public Map<String, Tensor> savedTensors() {
                Map<String, Tensor> resume = peft.adapter().resumeState();
                return resume != null ? resume : peft.stateDict();
            }
        };
    }

    /**
     * Full fine-tuning: every parameter trains (the model is switched to requires_grad). A model in
     * bfloat16 or float16 trains through float32 master weights, as mixed-precision training does: the
     * optimizer and its state see float32 copies, each step's half-precision gradients are added to
     * them in float32, and the model's weights are the masters rounded after every step, so updates
     * smaller than a half-precision step are not lost. While training runs, checkpoints (and the best
     * model) hold the float32 masters, a transformers checkpoint in float32, which makes a resume exact;
     * after it ends the masters are freed and {@link #saveWeights} saves the model as it is.
     *
     * @param model the model to train; switched to requires_grad, still owned by the caller
     * @return a view of model for the trainer
     */
    static TrainableModel full(T5ForConditionalGeneration model) {
        model.requiresGrad(true);
        boolean mixed = model.namedParameters().values().stream().anyMatch(t -> t.dtype() != DType.FLOAT32);
        return new TrainableModel() {
            private Map<String, Tensor> masters; // float32 copies while a mixed-precision run trains

            @Override
            public T5ForConditionalGeneration model() {
                return model;
            }

            @Override
            public Map<String, Tensor> trainableParameters() {
                if (!mixed) {
                    return new LinkedHashMap<>(model.namedParameters());
                }
                if (masters == null) {
                    masters = Scope.detached(() -> {
                        Map<String, Tensor> copies = new LinkedHashMap<>();
                        try (var noGrad = Autograd.noGrad()) {
                            // A new tensor per parameter (a float32 parameter is copied, not aliased); under
                            // no-grad it has no history, so it is a leaf of its own.
                            model.namedParameters().forEach((name, w) -> copies.put(name,
                                    (w.dtype() == DType.FLOAT32 ? w.copy() : w.to(DType.FLOAT32)).requiresGrad(true)));
                        }
                        return copies;
                    });
                }
                return new LinkedHashMap<>(masters);
            }

            @Override
            public void afterBackward() {
                if (masters == null) {
                    return;
                }
                try (Scope scope = Scope.open()) {
                    model.namedParameters().forEach((name, w) -> {
                        Tensor grad = w.grad();
                        if (grad != null) {
                            // Backward from a leaf with a given gradient accumulates it into the leaf's grad.
                            masters.get(name).backward(grad.to(DType.FLOAT32), false);
                            w.zeroGrad();
                        }
                    });
                }
            }

            @Override
            public void afterUpdate() {
                if (masters == null) {
                    return;
                }
                try (var noGrad = Autograd.noGrad()) {
                    model.namedParameters().forEach((name, w) -> w.copyFrom(masters.get(name)));
                }
            }

            @Override
            public void endTraining() {
                if (masters != null) {
                    masters.values().forEach(Tensor::close);
                    masters = null;
                }
            }

            @Override
            public void train(RandomKey key) {
                model.train(key);
            }

            @Override
            public void eval() {
                model.eval();
            }

            @Override
            public void saveWeights(Path dir) {
                if (masters == null) {
                    model.save(dir);
                } else {
                    model.save(dir, masters);
                }
            }

            @Override
            public String weightsFile() {
                return "model.safetensors";
            }

            @Override
            public Map<String, Tensor> savedTensors() {
                return masters != null ? masters : model.namedParameters();
            }
        };
    }
}
