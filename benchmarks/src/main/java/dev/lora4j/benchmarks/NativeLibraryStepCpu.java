package dev.lora4j.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.Tokenizer;
import dev.lora4j.train.TrainableModel;
import dev.lora4j.train.Trainer;
import dev.lora4j.train.TrainerConfig;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU seconds per LoRA training step of one native library (docs/EMBEDDING.md compares the jar's, the
 * developer build's and one built on org.bytedeco:pytorch): FLAN-T5-small's layers, LoRA r 8 on q and v,
 * batch 4 of ByT5-encoded dialogues, one libtorch thread. Process CPU time, not wall time, so that other
 * load on a shared machine disturbs it little. The first step (warm-up) is not counted.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED [-Dlora4j.library.path=...] -cp benchmarks.jar[:native jars]
 *     dev.lora4j.benchmarks.NativeLibraryStepCpu [steps]</pre>
 */
public final class NativeLibraryStepCpu {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        NativeLibrary.setNumThreads(1);
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Tokenizer tokenizer = ByT5Tokenizer.create();
        T5Config config = new T5Config(tokenizer.vocabSize(), 512, 64, 1024, 8, 8, 6, 32, 128, 0.1, 1e-6, 1.0,
                "gated-gelu", "gelu_new", true, false, false, true, 0, 1, 0);
        List<DialogueExample> train = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            train.add(new DialogueExample("" + i, "#Person1#: Lunch at noon " + i + "?\n#Person2#: Sure, at the cafe near the station.",
                    List.of("They meet for lunch " + i + "."), null));
        }
        List<Double> cpuSeconds = new ArrayList<>();
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(config, 42, Device.CPU, DType.FLOAT32);
             Scope scope = Scope.open()) {
            PeftModel lora = PeftModel.wrap(model, LoraConfig.defaults(), 42);
            SummarizationEncoder encoder = new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, 256, 64);
            Trainer.Listener clock = new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepMetrics m) {
                    cpuSeconds.add(os.getProcessCpuTime() / 1e9);
                }
            };
            new Trainer(TrainableModel.adapter(lora, "bench"), TrainerConfig.defaults().withSteps(steps + 1, 0).withBatching(4, 1, false),
                    encoder.encodeAll(train), List.of(), tokenizer.padTokenId(), null, clock).run();
        }
        double perStep = (cpuSeconds.getLast() - cpuSeconds.getFirst()) / (cpuSeconds.size() - 1);
        System.out.printf("%s (libtorch %s): %.3f CPU s/step over %d steps, 1 thread%n",
                NativeLibrary.ensureLoaded(), NativeLibrary.torchVersion(), perStep, cpuSeconds.size() - 1);
    }
}
