package dev.lora4j.examples.demo;

import dev.lora4j.peft.PeftModel;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.eval.RougeType;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import java.nio.file.Path;
import java.util.List;

/** Not a test: ROUGE of a saved base + adapter under other generation settings (tuning aid). */
public final class AdapterEvalProbe {
    public static void main(String[] args) {
        NativeLibrary.setNumThreads(1);
        Path base = Path.of(args[0]);
        Path adapter = Path.of(args[1]);
        int maxNew = Integer.parseInt(args[2]);
        int noRepeat = Integer.parseInt(args[3]);
        DemoRecipe recipe = DemoRecipe.defaults();
        List<DialogueExample> test = DemoData.generate(42, 2000, 40, 40).test();
        SummarizationEncoder encoder = new SummarizationEncoder(ByT5Tokenizer.create(), recipe.prompt(), 384, 128);
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(base, Device.CPU, DType.FLOAT32)) {
            PeftModel.load(model, adapter, 0);
            List<String> out = new GreedySummaries().summarize(model, encoder, test.stream().map(DialogueExample::dialogue).toList(),
                    GenerationConfig.greedy(maxNew).withNoRepeatNgramSize(noRepeat), 40, d -> {});
            var rouge = RougeScorer.builder().types(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L, RougeType.ROUGE_LSUM)
                    .useStemmer(true).build().scoreCorpus(test.stream().map(DialogueExample::summary).toList(), out);
            System.out.println(DemoRouge.of(rouge));
            for (int i = 0; i < 6; i++) {
                System.out.println("REF " + test.get(i).summary() + "\nOUT " + out.get(i));
            }
        }
    }
}
