package dev.lora4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorInfo;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The building blocks against their transformers / PyTorch counterparts on the same inputs:
 * RMSNorm vs T5LayerNorm (float32 and bfloat16), Linear vs F.linear, Embedding vs F.embedding, and
 * each Activation vs transformers' ACT2FN. Tolerance: 1e-6 of the largest reference value in
 * float32 (gelu_new: transformers spells the tanh formula out, the fused kernel rounds differently);
 * bfloat16 RMSNorm: exact, since both sides run the same ops in the same order.
 */
class LayersTest {
    private static final String PY = """
            import sys, torch
            from safetensors.torch import save_file
            from transformers.activations import ACT2FN
            from transformers.models.t5.modeling_t5 import T5LayerNorm
            g = torch.Generator().manual_seed(0)
            x = torch.randn(3, 5, 8, generator=g) * 3
            out = {"x": x}
            for dtype, name in ((torch.float32, "f32"), (torch.bfloat16, "bf16")):
                norm = T5LayerNorm(8, eps=1e-6)
                with torch.no_grad():
                    norm.weight.copy_(torch.rand(8, generator=g) + 0.5)
                norm = norm.to(dtype)
                out["norm_weight_" + name] = norm.weight.detach().clone()
                out["norm_" + name] = norm(x.to(dtype)).detach()
            w = torch.randn(6, 8, generator=g); b = torch.randn(6, generator=g)
            out.update(w=w, b=b, linear=torch.nn.functional.linear(x, w, b))
            table = torch.randn(10, 4, generator=g); ids = torch.tensor([[1, 9], [0, 3]])
            out.update(table=table, ids=ids, embedding=torch.nn.functional.embedding(ids, table))
            for act in ("relu", "gelu", "gelu_new", "silu"):
                out["act_" + act] = ACT2FN[act](x)
            save_file({k: v.contiguous() for k, v in out.items()}, sys.argv[1])
            """;

    private static Tensor read(SafetensorsFile f, String name) {
        TensorInfo info = f.info(name);
        return Tensor.of(f.data(name), info.dtype(), Device.CPU, info.shape());
    }

    private static void assertClose(String what, Tensor expected, Tensor actual, double tolerance) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        double error = actual.to(DType.FLOAT64).sub(expected.to(DType.FLOAT64)).abs().max().item();
        double scale = expected.to(DType.FLOAT64).abs().max().item();
        assertTrue(error <= tolerance * scale, what + ": error " + error + " at scale " + scale);
    }

    @Test
    void layersMatchTransformers(@TempDir Path dir) {
        Path file = dir.resolve("layers.safetensors");
        PythonReference.runSource(PY, file.toString());
        try (SafetensorsFile ref = SafetensorsFile.open(file); Scope scope = Scope.open()) {
            Tensor x = read(ref, "x");
            RMSNorm norm = new RMSNorm(read(ref, "norm_weight_f32"), 1e-6);
            assertClose("rms_norm f32", read(ref, "norm_f32"), norm.forward(x), 1e-6);
            RMSNorm halfNorm = new RMSNorm(read(ref, "norm_weight_bf16"), 1e-6);
            assertClose("rms_norm bf16", read(ref, "norm_bf16"), halfNorm.forward(x.to(DType.BFLOAT16)), 0.0);
            Linear linear = new Linear(read(ref, "w"), read(ref, "b"));
            assertEquals(8, linear.inFeatures());
            assertEquals(6, linear.outFeatures());
            assertEquals(java.util.List.of("weight", "bias"), java.util.List.copyOf(linear.namedParameters().keySet()));
            assertClose("linear", read(ref, "linear"), linear.forward(x), 1e-6);
            Embedding embedding = new Embedding(read(ref, "table"));
            assertClose("embedding", read(ref, "embedding"), embedding.forward(read(ref, "ids")), 0.0);
            for (Activation a : Activation.values()) {
                assertClose(a.hfName(), read(ref, "act_" + a.hfName()), a.apply(x), 1e-6);
            }
        }
    }

    @Test
    void shapesAreChecked() {
        try (Scope scope = Scope.open()) {
            assertThrows(Lora4jException.class, () -> new Linear(Tensor.zeros(4), null));
            assertThrows(Lora4jException.class, () -> new Linear(Tensor.zeros(4, 3), Tensor.zeros(3)));
            assertThrows(Lora4jException.class, () -> new RMSNorm(Tensor.zeros(2, 2), 1e-6));
            assertThrows(Lora4jException.class, () -> new Embedding(Tensor.zeros(4)));
            assertThrows(Lora4jException.class, () -> Activation.fromName("swish_gated"));
        }
    }

    @Test
    void dropoutActsOnlyInTrainingAndFollowsItsGenerator() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.ones(DType.FLOAT32, Device.CPU, 1000);
            assertSame(x, Dropout.NONE.apply(x));
            assertSame(x, new Dropout(0.5, false, null).apply(x));
            assertSame(x, new Dropout(0.0, true, null).apply(x));
            float[] a;
            float[] b;
            try (Generator g = new Generator(9)) {
                a = new Dropout(0.5, true, g).apply(x).toFloatArray();
            }
            try (Generator g = new Generator(9)) {
                b = new Dropout(0.5, true, g).apply(x).toFloatArray();
            }
            assertArrayEquals(a, b);
            int zeros = 0;
            for (float v : a) {
                assertTrue(v == 0f || v == 2f, "kept values are scaled by 1/(1-p)");
                zeros += v == 0f ? 1 : 0;
            }
            assertTrue(zeros > 400 && zeros < 600, "about half dropped: " + zeros);
            assertFalse(new Dropout(0.5, false, null).active());
        }
    }

    @Test
    void aKeyedDropoutWithoutItsOwnGeneratorIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Dropout(0.1, true, null, new RandomKey(1, 0, 0, 0)));
        assertTrue(e.getMessage().contains("needs its own generator"), e.getMessage());
    }
}
