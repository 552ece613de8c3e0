package dev.lora4j.examples.programs;

import dev.lora4j.peft.PeftModel;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Summarizes dialogues with a base checkpoint plus a LoRA adapter (lora4j's or PEFT's format), with beam
 * search as FLAN-T5 summaries are usually made.
 *
 * <pre>SummarizeWithAdapter &lt;model-dir&gt; &lt;adapter-dir&gt; &lt;dialogue.txt&gt;...</pre>
 * Each text file holds one dialogue, one turn per line ({@code #Person1#: ...}).
 */
public final class SummarizeWithAdapter {
    public static void main(String[] args) throws IOException {
        Path modelDir = Path.of(args[0]);
        Path adapterDir = Path.of(args[1]);
        List<Path> files = List.of(args).subList(2, args.length).stream().map(Path::of).toList();
        List<String> dialogues = new ArrayList<>();
        for (Path file : files) {
            dialogues.add(Files.readString(file).strip());
        }

        T5Tokenizer tokenizer = T5Tokenizer.load(modelDir);
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(modelDir, Device.CPU, DType.FLOAT32)) {
            PeftModel.load(model, adapterDir, 0).eval();
            Summarizer summarizer = new Summarizer(model, tokenizer, SummarizationPrompt.DEFAULT, 512,
                    GenerationConfig.beams(4, 128), 4);
            List<String> summaries = summarizer.summarize(dialogues);
            for (int i = 0; i < files.size(); i++) {
                System.out.println(files.get(i).getFileName() + ": " + summaries.get(i));
            }
        }
    }
}
