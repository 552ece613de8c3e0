package dev.lora4j.examples.demo;

import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.train.LrSchedule;
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.util.List;

/** Not a test: how fast the bare tiny model learns the summaries with full training (tuning aid). */
public final class FullFineTuneProbe {
    public static void main(String[] args) {
        NativeLibrary.setNumThreads(1);
        DemoRecipe recipe = DemoRecipe.defaults();
        int steps = Integer.parseInt(args[0]);
        int batch = Integer.parseInt(args[1]);
        double lr = Double.parseDouble(args[2]);
        DemoData data = DemoData.generate(42, 2000, 0, 1);
        ByT5Tokenizer tok = ByT5Tokenizer.create();
        List<TokenizedExample> train = new SummarizationEncoder(tok, recipe.prompt(), 384, 128).encodeAll(data.train());
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(recipe.model().config(), 1, Device.CPU, DType.FLOAT32)) {
            TrainerConfig config = TrainerConfig.defaults().withLearningRate(lr).withSchedule(LrSchedule.COSINE)
                    .withSteps(steps, 10).withBatching(batch, 1, true).withLogEvery(1000);
            new Trainer(TrainableModel.full(model), config, train, List.of(), 0, null, new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepMetrics m) {
                    if (m.step() % 25 == 0) {
                        System.out.printf("step %d loss %.3f %.1fs%n", m.step(), m.loss(), m.elapsedSeconds());
                    }
                }
            }).run();
        }
    }
}
