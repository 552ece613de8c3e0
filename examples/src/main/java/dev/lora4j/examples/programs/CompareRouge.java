package dev.lora4j.examples.programs;

import dev.lora4j.peft.PeftModel;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.eval.RougeType;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.summarize.SummaryEvaluation;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.nio.file.Path;
import java.util.List;

/**
 * ROUGE of the base model against the same model with a LoRA adapter, on the first dialogues of a
 * DialogSum-format file: one model in memory, the adapter switched off and on.
 *
 * <pre>CompareRouge &lt;model-dir&gt; &lt;adapter-dir&gt; &lt;dialogsum.test.jsonl&gt; [dialogues]</pre>
 */
public final class CompareRouge {
    public static void main(String[] args) {
        Path modelDir = Path.of(args[0]);
        Path adapterDir = Path.of(args[1]);
        List<DialogueExample> test = DialogueDatasets.dialogSum(Path.of(args[2])).examples();
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        test = test.subList(0, Math.min(count, test.size()));

        T5Tokenizer tokenizer = T5Tokenizer.load(modelDir);
        RougeScorer rouge = RougeScorer.builder().useStemmer(true).build();
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(modelDir, Device.CPU, DType.FLOAT32)) {
            PeftModel lora = PeftModel.load(model, adapterDir, 0);
            lora.eval();
            Summarizer summarizer = new Summarizer(model, tokenizer, SummarizationPrompt.DEFAULT, 512, GenerationConfig.greedy(128), 8);

            lora.setEnabled(false);
            SummaryEvaluation base = SummaryEvaluation.run("base", summarizer, test, rouge, i -> {});
            lora.setEnabled(true);
            SummaryEvaluation adapted = SummaryEvaluation.run("adapter", summarizer, test, rouge, i -> {});

            System.out.printf("%-12s %8s %8s %8s%n", "ROUGE (F, %)", "base", "adapter", "change");
            for (RougeType type : rouge.types()) {
                double b = base.percent(type);
                double a = adapted.percent(type);
                System.out.printf("%-12s %8.2f %8.2f %+8.2f%n", type, b, a, a - b);
            }
            System.out.printf("on %d dialogues%n", test.size());
        }
    }
}
