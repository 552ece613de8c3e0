package dev.lora4j.examples.programs;

import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
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
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * LoRA fine-tuning of a FLAN-T5 checkpoint on DialogSum, validation loss during training, then ROUGE on
 * the first test dialogues.
 *
 * <pre>FineTuneDialogSum &lt;model-dir&gt; &lt;dialogsum-dir&gt; &lt;adapter-out&gt; [steps] [test-dialogues]</pre>
 * The model folder holds config.json, model.safetensors and the tokenizer files; the DialogSum folder
 * holds dialogsum.{train,dev,test}.jsonl.
 */
public final class FineTuneDialogSum {
    public static void main(String[] args) {
        Path modelDir = Path.of(args[0]);
        Path data = Path.of(args[1]);
        Path adapterDir = Path.of(args[2]);
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        int testCount = args.length > 4 ? Integer.parseInt(args[4]) : 100;

        T5Tokenizer tokenizer = T5Tokenizer.load(modelDir);
        List<DialogueExample> train = DialogueDatasets.dialogSum(data.resolve("dialogsum.train.jsonl")).examples();
        List<DialogueExample> dev = DialogueDatasets.dialogSum(data.resolve("dialogsum.dev.jsonl")).examples();
        List<DialogueExample> test = DialogueDatasets.dialogSum(data.resolve("dialogsum.test.jsonl")).examples();
        SummarizationEncoder encoder = new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, 512, 128);

        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(modelDir, Device.CPU, DType.FLOAT32)) {
            PeftModel lora = PeftModel.wrap(model, LoraConfig.defaults().withR(16).withAlpha(32).withDropout(0.05), 42);
            TrainerConfig config = TrainerConfig.defaults().withSteps(steps, 0).withBatching(8, 1, true)
                    .withEvaluation(Math.max(1, steps / 4), 0);
            Trainer.Listener log = new Trainer.Listener() {
                @Override
                public void onEval(long step, double evalLoss) {
                    System.out.printf("step %d validation loss %.4f%n", step, evalLoss);
                }
            };
            Trainer.Result result = new Trainer(TrainableModel.adapter(lora, modelDir.toString()), config,
                    encoder.encodeAll(train), encoder.encodeAll(dev.subList(0, Math.min(64, dev.size()))),
                    tokenizer.padTokenId(), null, log).run();
            System.out.printf("trained %d steps, last loss %.4f%n", result.steps(), result.losses().getLast());
            lora.save(adapterDir, modelDir.toString());

            lora.eval();  // no dropout while generating
            Summarizer summarizer = new Summarizer(model, tokenizer, SummarizationPrompt.DEFAULT, 512, GenerationConfig.greedy(128), 8);
            RougeScorer rouge = RougeScorer.builder().useStemmer(true).build();
            SummaryEvaluation eval = SummaryEvaluation.run("lora", summarizer, test.subList(0, Math.min(testCount, test.size())), rouge, i -> {});
            for (RougeType type : rouge.types()) {
                System.out.printf("%s %.2f%n", type, eval.percent(type));
            }
        }
    }
}
