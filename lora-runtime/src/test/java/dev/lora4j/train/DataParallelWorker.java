package dev.lora4j.train;

import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.distributed.DistributedConfig;
import dev.lora4j.distributed.ProcessGroup;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.ia3.Ia3Config;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.peft.prompt.PromptTuningConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.ByT5Tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A worker of {@link DataParallelTrainingTest}: trains a tiny random T5 (LoRA, IA3, prompt tuning or full) for 20 steps in a
 * run directory, as one rank of the group torchrun's variables describe, or alone when they are unset.
 * Rank 0 prints "step N" per step and writes the trained tensors to {@code <run>/trained.safetensors}.
 * Arguments: lora|ia3|prompt|full, run directory, dropout, gradient accumulation, and optionally
 * start-with-the-other-gemm: a rank other than 0 switches to the CPU GEMM library rank 0 does not use
 * before training (the trainer must make it take rank 0's).
 */
public final class DataParallelWorker {
    static final int STEPS = 20;
    private static final String TINY = """
            {"model_type": "t5", "vocab_size": 384, "d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 2,
             "num_decoder_layers": 2, "num_heads": 4, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
             "dropout_rate": DROPOUT, "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
            """;

    private DataParallelWorker() {}

    public static void main(String[] args) {
        try {
            run(args[0], Path.of(args[1]), Double.parseDouble(args[2]), Integer.parseInt(args[3]),
                    args.length > 4 && args[4].equals("start-with-the-other-gemm"));
        } catch (RuntimeException e) {
            System.out.println("error: " + e.getMessage());
            System.out.flush();
            System.exit(1);
        }
        System.out.flush();
        System.exit(0);
    }

    private static void run(String mode, Path runDir, double dropout, int accumulation, boolean otherGemm) {
        ByT5Tokenizer tokenizer = ByT5Tokenizer.create();
        var rows = DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.dev.jsonl")).examples().subList(0, 24);
        List<TokenizedExample> examples = new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, 64, 24).encodeAll(rows);
        TrainerConfig config = TrainerConfig.defaults().withLearningRate(3e-3).withSchedule(LrSchedule.COSINE)
                .withSteps(STEPS, 2).withBatching(2, accumulation, true).withCheckpoints(5, 2).withEvaluation(10, 0)
                .withLogEvery(1).withSeed(7);
        DistributedConfig dist = DistributedConfig.fromEnvironment();
        if (otherGemm && dist != null && dist.rank() != 0) {
            // as if this rank's own measurement of the faster GEMM library had come out otherwise than rank 0's
            NativeLibrary.selectCpuGemm(NativeLibrary.cpuGemmLibrary().equals("aten") ? "onednn" : "aten");
        }
        long tensorsBefore = NativeLibrary.liveTensors();
        try (ProcessGroup group = dist == null ? null : ProcessGroup.join(dist);
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(
                     T5Config.parse(TINY.replace("DROPOUT", Double.toString(dropout))), 3, Device.CPU, DType.FLOAT32)) {
            PeftModel lora = null;
            TrainableModel trainable;
            MethodConfig method = switch (mode) {
                case "lora" -> LoraConfig.defaults().withR(4).withAlpha(8).withDropout(dropout)
                        .withInit(LoraConfig.Init.RANDOM).withTargets(LoraConfig.TargetModules.names("q", "v", "wo"));
                case "ia3" -> Ia3Config.defaults();
                case "prompt" -> new PromptTuningConfig(4, PromptTuningConfig.Init.RANDOM, null, null);
                case "full" -> null;
                default -> throw new IllegalArgumentException(mode);
            };
            if (method != null) {
                lora = PeftModel.wrap(model, method, 5);
                trainable = TrainableModel.adapter(lora, "tiny");
            } else {
                trainable = TrainableModel.full(model);
            }
            Trainer.Listener print = new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepMetrics m) {
                    System.out.println("step " + m.step() + " loss " + m.loss());
                    System.out.flush();
                }
            };
            new Trainer(trainable, config, examples, examples.subList(0, 8), tokenizer.padTokenId(), runDir, print, group).run();
            if (group == null || group.rank() == 0) {
                Map<String, Tensor> trained = new TreeMap<>(lora != null ? lora.stateDict() : trainable.trainableParameters());
                TensorFiles.save(trained, Map.of(), runDir.resolve("trained.safetensors"));
            }
        }
        System.out.println("cpu gemm " + NativeLibrary.cpuGemmLibrary());
        System.out.println("done, live tensors " + (NativeLibrary.liveTensors() - tensorsBefore));
    }
}
