package dev.lora4j.peft.bottleneck;

import static dev.lora4j.testing.AdapterParity.assertClose;
import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks.SublayerSite;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.AdapterParity;
import dev.lora4j.testing.AdapterParity.Inputs;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AdaMix by its properties (no library implements it to compare with): routing is a pure function of
 * the random key; a training step's gradient reaches only the experts it routed through; evaluation
 * computes the experts' average, which exports as an ordinary AdapterHub bottleneck adapter that lora4j
 * and AdapterHub both load with the same logits; the consistency regularizer vanishes when the two
 * passes cannot differ; the adapter's own files round-trip.
 */
class AdaMixTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/adapterhub_bottleneck_reference.py");

    /** Two placements (self-attention and FFN) and 3 experts, each expert moved off the shared init. */
    private static AdaMixAdapter attachDiverse(T5ForConditionalGeneration model, AdaMixConfig config) {
        AdaMixAdapter adamix = (AdaMixAdapter) PeftModel.wrap(model, config, 7).adapter();
        try (Generator gen = new Generator(99); var noGrad = Autograd.noGrad(); Scope scope = Scope.open()) {
            for (Tensor t : adamix.trainableParameters().values()) {
                t.addInPlace(Tensor.randn(gen, DType.FLOAT32, Device.CPU, t.shape()), 0.05);
            }
        }
        return adamix;
    }

    private static AdaMixConfig threeExperts() {
        AdaMixConfig d = AdaMixConfig.defaults();
        BottleneckConfig e = d.expert();
        BottleneckConfig both = new BottleneckConfig("mix", true, true, false, 8, e.nonLinearity(), false, true,
                e.initWeights(), null, 1.0, 0.0);
        return d.withExpert(both).withExperts(3, false, false);
    }

    @Test
    void routingIsAFunctionOfTheKeyAndGradientsReachOnlyTheChosenExperts(@TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runAdapterHubFile(SCRIPT, "make", dir.toString(), "pfeiffer"));
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            AdaMixAdapter adamix = attachDiverse(model, threeExperts());
            assertEquals(8, adamix.mixtures().size(), "self-attention and FFN of 2 + 2 blocks");

            RandomKey key = new RandomKey(5, 0, 3, 0);
            adamix.train(key);
            double first = AdapterParity.run(model, in).loss().item();
            Map<SublayerSite, int[]> routing = copy(adamix.lastRouting());
            adamix.train(key);
            Tensor loss = AdapterParity.run(model, in).loss();
            assertEquals(first, loss.item(), 0.0, "the same key routes and computes the same");
            routing.forEach((site, r) -> assertArrayEquals(r, adamix.lastRouting().get(site), site.toString()));

            loss.backward();
            int chosen = 0;
            for (var e : adamix.mixtures().entrySet()) {
                int[] r = routing.get(e.getKey());
                for (int i = 0; i < 3; i++) {
                    boolean downUsed = i == r[0];
                    boolean upUsed = i == r[1];
                    assertEquals(downUsed, hasGradient(e.getValue().downs().get(i)), e.getKey() + " down " + i);
                    assertEquals(upUsed, hasGradient(e.getValue().ups().get(i)), e.getKey() + " up " + i);
                    chosen += (downUsed ? 1 : 0) + (upUsed ? 1 : 0);
                }
            }
            assertEquals(16, chosen, "one down and one up per location");

            boolean differs = false;
            for (int step = 4; step < 8 && !differs; step++) {
                adamix.train(new RandomKey(5, 0, step, 0));
                AdapterParity.run(model, in);
                differs = routing.entrySet().stream().anyMatch(e -> !java.util.Arrays.equals(e.getValue(),
                        adamix.lastRouting().get(e.getKey())));
            }
            assertTrue(differs, "another step routes differently");
            adamix.detach();
            assertTrue(model.hooks().isEmpty());
        }
    }

    private static Map<SublayerSite, int[]> copy(Map<SublayerSite, int[]> routing) {
        Map<SublayerSite, int[]> out = new HashMap<>();
        routing.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    private static boolean hasGradient(Tensor[] projection) {
        Tensor g = projection[0].grad();
        return g != null && g.abs().sum().item() > 0;
    }

    @Test
    void evaluationComputesTheAverageWhichExportsAsAnAdapterHubAdapter(@TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runAdapterHubFile(SCRIPT, "make", dir.toString(), "pfeiffer"));
        double[] mixed;
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            PeftModel peft = PeftModel.wrap(model, threeExperts(), 7);
            AdaMixAdapter adamix = (AdaMixAdapter) peft.adapter();
            try (Generator gen = new Generator(99); var noGrad = Autograd.noGrad(); Scope inner = Scope.open()) {
                for (Tensor t : adamix.trainableParameters().values()) {
                    t.addInPlace(Tensor.randn(gen, DType.FLOAT32, Device.CPU, t.shape()), 0.05);
                }
            }
            peft.eval();
            mixed = AdapterParity.logits(model, in);
            adamix.exportAveraged(dir.resolve("averaged"), dir.resolve("base").toString());
            Map<String, double[]> experts = new HashMap<>();
            adamix.trainableParameters().forEach((k, v) -> experts.put(k, v.toDoubleArray()));
            peft.save(dir.resolve("own"), dir.resolve("base").toString());
            Lora4jException merge = assertThrows(Lora4jException.class, peft::merge);
            assertTrue(merge.getMessage().contains("export the averaged adapter"), merge.getMessage());

            peft.unload();
            PeftModel again = PeftModel.load(model, dir.resolve("own"), 0);
            assertEquals(AdaMixMethod.PEFT_TYPE, again.method().peftType());
            assertClose("AdaMix's own files", mixed, AdapterParity.logits(model, in), 0);
            again.unload();

            PeftModel averaged = PeftModel.load(model, dir.resolve("averaged"), 0);
            for (var e : averaged.stateDict().entrySet()) {
                String expertKey = e.getKey().replace(".adapters.mix.", ".adapters.mix.experts.%d.");
                double[] mean = new double[(int) e.getValue().numel()];
                for (int i = 0; i < 3; i++) {
                    double[] x = experts.get(expertKey.formatted(i));
                    for (int j = 0; j < mean.length; j++) {
                        mean[j] += x[j] / 3;
                    }
                }
                assertClose(e.getKey() + " is the experts' mean", mean, e.getValue().toDoubleArray(), 1e-6);
            }
            assertClose("the averaged adapter computes what AdaMix evaluates", mixed, AdapterParity.logits(model, in), 1e-6);
            averaged.unload();
        }
        JsonNode hub = JSON.readTree(PythonReference.runAdapterHubFile(SCRIPT, "check", dir.resolve("base").toString(),
                dir.resolve("averaged").toString()));
        double err = assertClose("AdapterHub's logits of the averaged adapter", doubles(hub.get("logits")), mixed, 1e-5);
        System.out.printf("AdaMixTest: the averaged adapter in AdapterHub, logits %.2e of the largest value%n", err);
    }

    @Test
    void theConsistencyTermVanishesWithOneExpertAndPullsTwoRoutingsTogetherOtherwise(@TempDir Path dir) throws Exception {
        JsonNode ref = JSON.readTree(PythonReference.runAdapterHubFile(SCRIPT, "make", dir.toString(), "pfeiffer"));
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("base"), Device.CPU, DType.FLOAT32)) {
            Inputs in = Inputs.from(ref);
            RandomKey key = new RandomKey(5, 0, 1, 0);
            AdaMixAdapter single = (AdaMixAdapter) PeftModel.wrap(model, threeExperts().withExperts(1, false, false)
                    .withConsistencyWeight(2.0), 7).adapter();
            single.train(key);
            double ce = AdapterParity.run(model, in).loss().item();
            double withTerm = single.trainingLoss(() -> AdapterParity.run(model, in), in.labels(), key).item();
            assertEquals(ce, withTerm, 1e-6 * ce, "one expert: both passes are the same, the KL term is 0");
            single.detach();

            AdaMixAdapter mix = attachDiverse(model, threeExperts().withConsistencyWeight(2.0));
            mix.train(key);
            double first = AdapterParity.run(model, in).loss().item();
            mix.train(new RandomKey(5, 0, 1, 1 << 24));
            double second = AdapterParity.run(model, in).loss().item();
            mix.train(key);
            Tensor total = mix.trainingLoss(() -> AdapterParity.run(model, in), in.labels(), key);
            assertNotEquals(first, second, "the two passes route differently");
            assertTrue(total.item() > (first + second) / 2, "a positive KL term is added: " + total.item());
            total.backward();
            assertTrue(mix.trainableParameters().values().stream().anyMatch(t -> t.grad() != null), "the term trains the experts");
            assertFalse(mix.describe().isEmpty());
            mix.detach();
        }
    }
}
