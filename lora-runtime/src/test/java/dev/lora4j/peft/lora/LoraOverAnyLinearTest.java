package dev.lora4j.peft.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.nn.LayerWrapper;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA over a linear layer that is not a dense {@link dev.lora4j.nn.Linear} (the seam a quantized base
 * uses): the base computes its output and the adapter-only op adds the update. It must train exactly
 * as the fused op over the same weights does (loss and every adapter gradient, with and without
 * dropout: the masks come from the same key and layer path), refuse to merge, and unload to the
 * layer that was there. Also: a second LoRA on a wrapped layer is refused; grouping is an optimisation
 * that must not change results beyond rounding.
 */
class LoraOverAnyLinearTest {
    private static final String TINY = """
            {"model_type": "t5", "vocab_size": 64, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 2,
             "num_decoder_layers": 2, "num_heads": 2, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false,
             "dropout_rate": 0.0, "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
            """;

    /** A linear layer that is not a Linear: it computes through the layer it holds. */
    static final class Opaque extends LinearLayer implements LayerWrapper<LinearLayer> {
        private final LinearLayer base;

        Opaque(LinearLayer base) {
            this.base = registerChild("", LinearLayer.class, base).get();
        }

        @Override
        public LinearLayer base() {
            return base;
        }

        @Override
        public Tensor forward(Tensor x) {
            return base.forward(x);
        }

        @Override
        public long inFeatures() {
            return base.inFeatures();
        }

        @Override
        public long outFeatures() {
            return base.outFeatures();
        }

        @Override
        public DType computeDType() {
            return base.computeDType();
        }
    }

    /** q, o and wo: no two of them read one input, so none is grouped and each draws its own mask. */
    private static LoraConfig config(double dropout) {
        return LoraConfig.defaults().withR(4).withAlpha(8).withDropout(dropout).withInit(LoraConfig.Init.RANDOM)
                .withTargets(LoraConfig.TargetModules.names("q", "o", "wo"));
    }

    private static LoraConfig groupedConfig() {
        return config(0).withTargets(LoraConfig.TargetModules.names("q", "k", "v", "wi_0", "wi_1"));
    }

    /** Loss and adapter gradients of one training forward/backward, with every target opaque or not. */
    private static Map<String, float[]> step(boolean opaque, double dropout) {
        return step(opaque, config(dropout));
    }

    private static Map<String, float[]> step(boolean opaque, LoraConfig lora) {
        double dropout = lora.loraDropout();
        Map<String, float[]> out = new TreeMap<>();
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 2, Device.CPU, DType.FLOAT32)) {
            if (opaque) {
                model.linearLayers().forEach((path, layer) -> {
                    if (lora.targetModules().matches(path, false)) {
                        model.replaceLinear(path, new Opaque(layer));
                    }
                });
            }
            PeftModel peft = PeftModel.wrap(model, lora, 11);
            peft.train(new RandomKey(5, 0, 3, 0));
            Tensor ids = Tensor.of(new long[] {5, 6, 7, 9, 1, 4, 8, 1, 0, 0}, 2, 5);
            Tensor mask = Tensor.of(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 5);
            Tensor labels = Tensor.of(new long[] {8, 9, 1, 3, 1, -100}, 2, 3);
            Tensor loss = model.forward(ids, mask, null, labels).loss();
            loss.backward();
            out.put("loss", new float[] {(float) loss.item()});
            peft.trainableParameters().forEach((name, t) -> out.put(name, t.grad().toFloatArray()));
            if (opaque) {
                assertNotNull(peft.mergeRefusal());
                assertTrue(peft.mergeRefusal().contains("Opaque"), peft.mergeRefusal());
                assertThrows(Lora4jException.class, peft::mergeAndUnload);
            } else {
                assertNull(peft.mergeRefusal());
            }
            peft.eval();
            LinearLayer before = ((LoraModel) peft.adapter()).adapters().values().iterator().next().base();
            String path = ((LoraModel) peft.adapter()).adapters().keySet().iterator().next();
            peft.unload();
            assertSame(before, model.linearLayers().get(path), "unload puts back the layer that was there");
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.3})
    void theAdapterOnlyOpTrainsAsTheFusedOp(double dropout) {
        Map<String, float[]> fused = step(false, dropout);
        Map<String, float[]> added = step(true, dropout);
        assertEquals(fused.keySet(), added.keySet());
        fused.forEach((k, v) -> assertArrayEquals(v, added.get(k), 2e-5f * max(v), k + " at p=" + dropout));
    }

    @Test
    void groupedAdaptersComputeWhatSeparateOnesCompute() {
        boolean before = LoraGroups.enabled();
        Map<String, float[]> separate;
        Map<String, float[]> grouped;
        try {
            LoraGroups.setEnabled(false);
            separate = step(false, groupedConfig());
            LoraGroups.setEnabled(true);
            grouped = step(false, groupedConfig());
        } finally {
            LoraGroups.setEnabled(before);
        }
        separate.forEach((k, v) -> assertArrayEquals(v, grouped.get(k), 2e-5f * max(v), k));
    }

    private static float max(float[] v) {
        float m = 1e-6f;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    /**
     * DoRA normalises W + s·B·A, so it needs a dense base weight: over another layer it is refused when attached,
     * naming the layer, and the layers wrapped before it are put back.
     */
    @Test
    void doraOverANonDenseBaseIsRefusedAndTheModelIsLeftAsItWas() {
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 2, Device.CPU, DType.FLOAT32)) {
            LoraConfig dora = config(0).withDora(true);
            String last = model.linearLayers().keySet().stream().filter(p -> dora.targetModules().matches(p, false))
                    .reduce((a, b) -> b).orElseThrow();
            model.replaceLinear(last, new Opaque(model.linearLayers().get(last)));
            Map<String, LinearLayer> before = model.linearLayers();
            Lora4jException e = assertThrows(Lora4jException.class, () -> PeftModel.wrap(model, dora, 1));
            assertTrue(e.getMessage().contains(last) && e.getMessage().contains("DoRA needs the base layer's dense weight")
                    && e.getMessage().contains("Opaque"), e.getMessage());
            assertEquals(before, model.linearLayers(), "the failed wrap undid what it had done");
            assertEquals(List.of(), model.namedParameters().keySet().stream().filter(n -> n.contains("lora_")).toList());
        }
    }

    @Test
    void aSecondLoraOnTheSameLayersIsRefusedAndTheModelIsLeftAsItWas() {
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.parse(TINY), 2, Device.CPU, DType.FLOAT32)) {
            PeftModel first = PeftModel.wrap(model, config(0), 1);
            Map<String, LinearLayer> wrapped = model.linearLayers();
            Lora4jException e = assertThrows(Lora4jException.class, () -> PeftModel.wrap(model, config(0), 2));
            assertTrue(e.getMessage().contains("already carries a LoRA adapter"), e.getMessage());
            assertEquals(wrapped, model.linearLayers(), "the failed wrap undid what it had done");
            first.unload();
            assertTrue(model.linearLayers().values().stream().allMatch(l -> l instanceof dev.lora4j.nn.Linear));
            assertEquals(List.of(), model.namedParameters().keySet().stream().filter(n -> n.contains("lora_")).toList());
        }
    }
}
