package dev.lora4j.examples.programs;

import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.Tokenizer;
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The minimal program (docs/EMBEDDING.md): LoRA steps on a model of FLAN-T5-small's shape with random
 * weights, the adapter saved in PEFT's format, then a summary generated (gibberish: the weights are
 * random). Needs no download.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... dev.lora4j.examples.programs.QuickStart [adapter-dir] [steps] [tiny]</pre>
 */
public final class QuickStart {
    public static void main(String[] args) {
        Path adapterDir = Path.of(args.length > 0 ? args[0] : "quickstart-adapter");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Tokenizer tokenizer = ByT5Tokenizer.create();  // byte-level: no vocabulary file needed
        // FLAN-T5-small's layers (its config.json) with ByT5's 384-id vocabulary; "tiny" shrinks them for
        // quick tests. A real checkpoint: T5ForConditionalGeneration.load(dir, ...) and T5Tokenizer.
        int vocab = tokenizer.vocabSize();
        T5Config config = args.length > 2 && args[2].equals("tiny")
                ? new T5Config(vocab, 64, 16, 128, 2, 2, 4, 32, 128, 0.1, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, false, true, 0, 1, 0)
                : new T5Config(vocab, 512, 64, 1024, 8, 8, 6, 32, 128, 0.1, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, false, true, 0, 1, 0);
        List<DialogueExample> train = List.of(
                new DialogueExample("1", "#Person1#: Lunch at noon?\n#Person2#: Sure, at the cafe.", List.of("They meet for lunch."), null),
                new DialogueExample("2", "#Person1#: Is the report done?\n#Person2#: Tomorrow.", List.of("The report is due tomorrow."), null));

        // The model's weights live until close(); a Scope frees every tensor made while it is open.
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(config, 42, Device.CPU, DType.FLOAT32);
             Scope scope = Scope.open()) {
            PeftModel lora = PeftModel.wrap(model, LoraConfig.defaults().withR(8), 42);
            SummarizationEncoder encoder = new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, 256, 64);
            TrainerConfig trainerConfig = TrainerConfig.defaults().withSteps(steps, 0).withBatching(2, 1, true);
            Trainer.Listener progress = new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepMetrics m) {
                    System.out.printf("step %d loss %.4f%n", m.step(), m.loss());
                }
            };
            new Trainer(TrainableModel.adapter(lora, "random flan-t5-small"), trainerConfig.withLogEvery(1),
                    encoder.encodeAll(train), List.of(), tokenizer.padTokenId(), null, progress).run();

            lora.save(adapterDir, "random flan-t5-small");
            System.out.println("adapter saved: " + adapterDir.toAbsolutePath());

            Summarizer summarizer = new Summarizer(model, tokenizer, SummarizationPrompt.DEFAULT, 256, GenerationConfig.greedy(16).withMinNewTokens(8), 1);
            String summary = summarizer.summarize(List.of("#Person1#: Coffee later?\n#Person2#: Yes, at four.")).getFirst();
            // Random weights mostly pick ByT5's special ids, which decoding drops: the text may be empty.
            System.out.println("summary: \"" + summary + "\"");
        }
    }
}
