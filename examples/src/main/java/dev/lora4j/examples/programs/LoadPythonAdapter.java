package dev.lora4j.examples.programs;

import dev.lora4j.peft.ParameterCounts;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.T5Tokenizer;
import dev.lora4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads an adapter made in Python with PEFT ({@code model.save_pretrained(dir)}: adapter_config.json and
 * adapter_model.safetensors), shows what it adapts, and summarizes with it.
 *
 * <pre>LoadPythonAdapter &lt;base-model-dir&gt; &lt;peft-adapter-dir&gt; [dialogue]</pre>
 */
public final class LoadPythonAdapter {
    public static void main(String[] args) {
        Path baseDir = Path.of(args[0]);
        Path adapterDir = Path.of(args[1]);
        String dialogue = args.length > 2 ? args[2] : "#Person1#: Are you coming tonight?\n#Person2#: Yes, after work.";

        MethodConfig config = PeftModel.readConfig(adapterDir); // any method PEFT saves that lora4j has
        System.out.println(config.method().name() + ": " + config.toJson());
        // A byte-level model (ByT5, or a test model) comes without tokenizer files.
        boolean hasTokenizer = Files.exists(baseDir.resolve("tokenizer.json")) || Files.exists(baseDir.resolve("spiece.model"));
        Tokenizer tokenizer = hasTokenizer ? T5Tokenizer.load(baseDir) : ByT5Tokenizer.create();

        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(baseDir, Device.CPU, DType.FLOAT32)) {
            PeftModel lora = PeftModel.load(model, adapterDir, 0);  // checks every tensor's name and shape
            lora.eval();
            ParameterCounts counts = lora.parameterCounts();
            System.out.printf("%s; trainable params: %d || all params: %d || trainable%%: %.4f%n",
                    lora.describe(), counts.trainable(), counts.total(), counts.trainablePercent());
            Summarizer summarizer = new Summarizer(model, tokenizer, SummarizationPrompt.DEFAULT, 512, GenerationConfig.greedy(64), 1);
            System.out.println("summary: \"" + summarizer.summarize(List.of(dialogue)).getFirst() + "\"");
        }
    }
}
