package dev.lora4j.examples.demo;

import dev.lora4j.train.Trainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Not a test: the command-line runner used to tune {@link DemoRecipe#defaults()} (docs/DEMO.md).
 * Overrides come as system properties (-Dmodel=128,256,4,2,2,true -Dpretrain=300,16,3e-3,20
 * -Dlora=300,16,3e-3,20 -Drank=16,32,all-linear -Ddata=42,2000,60,120 -Dgen=128,10,40 -Dcorpus=DIALOGUES).
 */
public final class DemoRecipeExperiment {
    private DemoRecipeExperiment() {}

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        if (System.getProperty("threads") != null) {
            dev.lora4j.tensor.NativeLibrary.setNumThreads(Integer.parseInt(System.getProperty("threads")));
        }
        System.out.println("libtorch threads: " + dev.lora4j.tensor.NativeLibrary.numThreads());
        DemoRecipe recipe = "smoke".equals(System.getProperty("base")) ? DemoRecipe.smoke() : DemoRecipe.defaults();
        String[] v;
        if ((v = values("model")) != null) {
            recipe = recipe.withModel(new TinyT5(i(v[0]), i(v[1]), i(v[2]), i(v[3]), i(v[4]), Boolean.parseBoolean(v[5])));
        }
        if ((v = values("pretrain")) != null) {
            recipe = recipe.withPretraining(i(v[0]), i(v[1]), Double.parseDouble(v[2]), i(v[3]));
        }
        if ((v = values("lora")) != null) {
            recipe = recipe.withFineTuning(i(v[0]), i(v[1]), Double.parseDouble(v[2]), i(v[3]));
        }
        if ((v = values("rank")) != null) {
            recipe = recipe.withLora(i(v[0]), Double.parseDouble(v[1]), List.of(v).subList(2, v.length));
        }
        if ((v = values("data")) != null) {
            recipe = recipe.withData(Long.parseLong(v[0]), i(v[1]), i(v[2]), i(v[3]));
        }
        if ((v = values("gen")) != null) {
            recipe = recipe.withGeneration(i(v[0]), i(v[1]), i(v[2]));
        }
        if (System.getProperty("corpus") != null) {
            recipe = recipe.withCorpus(DemoRecipe.PretrainCorpus.valueOf(System.getProperty("corpus")));
        }
        System.out.println(recipe);
        Path work = Files.createTempDirectory("demo-experiment");
        String cache = System.getProperty("cache");
        DemoListener progress = new DemoListener() {
            @Override
            public void trainingStep(DemoStage stage, Trainer.StepMetrics m) {
                if (m.step() % 25 == 0) {
                    System.out.printf("  %s step %d loss %.3f lr %.2e  %.0f tok/s  %.1fs%n", stage, m.step(), m.loss(), m.lr(),
                            m.tokensPerSecond(), m.elapsedSeconds());
                }
            }

            @Override
            public void stageFinished(DemoStage stage, StageTiming t) {
                System.out.printf("%s: wall %.1fs cpu %.1fs work %d tokens %d (%.0f tok/s)%n", stage, t.wallSeconds(),
                        t.cpuSeconds(), t.work(), t.tokens(), t.tokensPerSecond());
            }
        };
        DemoResult r = new DemoPipeline(recipe, work, cache == null ? null : Path.of(cache), progress).run();
        System.out.printf("before %s%nafter  %s%n", r.before(), r.after());
        System.out.printf("pipeline wall %.1fs cpu %.1fs; trainable %d of %d; work %s%n", r.wallSeconds(), r.cpuSeconds(),
                r.trainableParameters(), r.totalParameters(), work);
        for (DemoSample s : r.samples()) {
            System.out.println("---- " + s.id() + "\n" + s.dialogue() + "\n  REF: " + s.reference() + "\n  BEFORE: " + s.before()
                    + "\n  AFTER: " + s.after());
        }
        System.out.printf("process wall %.1fs%n", (System.nanoTime() - t0) / 1e9);
    }

    private static String[] values(String name) {
        String s = System.getProperty(name);
        return s == null ? null : s.split(",");
    }

    private static int i(String s) {
        return Integer.parseInt(s.trim());
    }
}
