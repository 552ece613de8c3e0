package dev.lora4j.train;

import dev.lora4j.peft.LoraModel;
import dev.lora4j.peft.PeftAdapter;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the trainer trains: a LoRA adapter over a frozen model, or the whole model. Both save their
 * weights in the format the Python tools read (a PEFT adapter directory, or a transformers checkpoint).
 */
public interface TrainableModel {
    T5ForConditionalGeneration model();

    /** The parameters the optimizer updates, by state-dict name, in a stable order. */
    Map<String, Tensor> trainableParameters();

    void train(Generator dropout);

    void eval();

    /** Saves the trained weights into dir in the Python tools' layout. */
    void saveWeights(Path dir);

    /** The file saveWeights writes the tensors to, and the tensors a resume copies back from it. */
    String weightsFile();

    Map<String, Tensor> savedTensors();

    /** Dropout positions of the adapters (empty for full fine-tuning). */
    List<Long> dropoutOffsets();

    void setDropoutOffsets(List<Long> offsets);

    static TrainableModel lora(LoraModel lora, String baseModelNameOrPath) {
        return new TrainableModel() {
            @Override
            public T5ForConditionalGeneration model() {
                return lora.model();
            }

            @Override
            public Map<String, Tensor> trainableParameters() {
                return lora.trainableParameters();
            }

            @Override
            public void train(Generator dropout) {
                lora.train(dropout);
            }

            @Override
            public void eval() {
                lora.eval();
            }

            @Override
            public void saveWeights(Path dir) {
                PeftAdapter.save(lora, dir, baseModelNameOrPath);
            }

            @Override
            public String weightsFile() {
                return PeftAdapter.WEIGHTS_FILE;
            }

            @Override
            public Map<String, Tensor> savedTensors() {
                return lora.adapterStateDict();
            }

            @Override
            public List<Long> dropoutOffsets() {
                return lora.dropoutOffsets();
            }

            @Override
            public void setDropoutOffsets(List<Long> offsets) {
                lora.setDropoutOffsets(offsets);
            }
        };
    }

    /** Full fine-tuning: every parameter trains (the model is switched to requires_grad). */
    static TrainableModel full(T5ForConditionalGeneration model) {
        model.requiresGrad(true);
        return new TrainableModel() {
            @Override
            public T5ForConditionalGeneration model() {
                return model;
            }

            @Override
            public Map<String, Tensor> trainableParameters() {
                return new LinkedHashMap<>(model.namedParameters());
            }

            @Override
            public void train(Generator dropout) {
                model.train(dropout);
            }

            @Override
            public void eval() {
                model.eval();
            }

            @Override
            public void saveWeights(Path dir) {
                model.save(dir);
            }

            @Override
            public String weightsFile() {
                return "model.safetensors";
            }

            @Override
            public Map<String, Tensor> savedTensors() {
                return model.namedParameters();
            }

            @Override
            public List<Long> dropoutOffsets() {
                return List.of();
            }

            @Override
            public void setDropoutOffsets(List<Long> offsets) {
                // no adapters, nothing to restore
            }
        };
    }
}
