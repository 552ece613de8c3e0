package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lora4j.testing.PythonReference;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    @Test
    void aSeededGeneratorDrawsWhatTorchDrawsForTheSameSeed() {
        String python = """
                import json, torch
                g = torch.Generator().manual_seed(42)
                u = torch.rand(5, generator=g, dtype=torch.float64)
                n = torch.randn(5, generator=g, dtype=torch.float64)
                print(json.dumps(u.tolist() + n.tolist()))
                """;
        double[] expected = Arrays.stream(PythonReference.runSource(python).trim().replaceAll("[\\[\\]]", "").split(","))
                .mapToDouble(Double::parseDouble).toArray();
        try (Scope scope = Scope.open(); Generator gen = new Generator(42)) {
            double[] u = Tensor.rand(gen, DType.FLOAT64, Device.CPU, 5).toDoubleArray();
            double[] n = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 5).toDoubleArray();
            assertArrayEquals(Arrays.copyOfRange(expected, 0, 5), u, 1e-15);
            assertArrayEquals(Arrays.copyOfRange(expected, 5, 10), n, 1e-15);
        }
    }

    @Test
    void sameSeedSameDropoutMaskDifferentSeedDifferentMask() {
        try (Scope scope = Scope.open(); Generator a = new Generator(7); Generator b = new Generator(7); Generator c = new Generator(8)) {
            Tensor x = Tensor.ones(10_000);
            float[] da = Functional.dropout(x, 0.3, true, a).toFloatArray();
            float[] db = Functional.dropout(x, 0.3, true, b).toFloatArray();
            float[] dc = Functional.dropout(x, 0.3, true, c).toFloatArray();
            assertArrayEquals(da, db);
            assertFalse(Arrays.equals(da, dc));
            int zeros = 0;
            for (float v : da) {
                if (v == 0) {
                    zeros++;
                } else {
                    assertEquals(1 / 0.7f, v, 1e-6f, "kept elements are scaled by 1/(1-p)");
                }
            }
            assertEquals(3000, zeros, 150, "about p of the elements are dropped");
            a.setSeed(7);
            assertArrayEquals(da, Functional.dropout(x, 0.3, true, a).toFloatArray(), "re-seeding replays the mask");
            assertArrayEquals(x.toFloatArray(), Functional.dropout(x, 0.3, false, a).toFloatArray(), "identity in eval");
            assertArrayEquals(new float[10_000], Functional.dropout(x, 1.0, true, a).toFloatArray(), "p = 1 drops all");
        }
    }

    @Test
    void dropoutGradientUsesTheSameMask() {
        try (Scope scope = Scope.open(); Generator gen = new Generator(5)) {
            Tensor x = Tensor.ones(1000).requiresGrad(true);
            Tensor y = Functional.dropout(x, 0.5, true, gen);
            y.sum().backward();
            assertArrayEquals(y.toFloatArray(), x.grad().toFloatArray(), "d(sum(dropout(x)))/dx equals the scaled mask");
        }
    }

    @Test
    void dropoutOfAStridedViewMasksItsGradientElementForElement() {
        // The mask is regenerated in backward by element index, so a transposed input (and the
        // gradient arriving for it) must still meet the flags its forward used.
        try (Scope scope = Scope.open(); Generator gen = new Generator(11)) {
            Tensor x = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 30, 40).requiresGrad(true);
            Tensor y = Functional.dropout(x.transpose(0, 1), 0.25, true, gen);
            Tensor weights = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 40, 30);
            y.mul(weights).sum().backward();
            float[] xs = x.transpose(0, 1).contiguous().toFloatArray();
            float[] ys = y.contiguous().toFloatArray();
            float[] ws = weights.toFloatArray();
            float[] grad = x.grad().transpose(0, 1).contiguous().toFloatArray();
            for (int i = 0; i < ys.length; i++) {
                boolean kept = ys[i] != 0 || xs[i] == 0;
                assertEquals(kept ? xs[i] / 0.75f : 0f, ys[i], 1e-6f, "forward element " + i);
                assertEquals(kept ? ws[i] / 0.75f : 0f, grad[i], 1e-6f, "gradient element " + i);
            }
        }
    }

    @Test
    void dropoutKeepsBfloat16AndScalesInFloat() {
        try (Scope scope = Scope.open(); Generator gen = new Generator(3)) {
            Tensor x = Tensor.ones(4096).to(DType.BFLOAT16);
            Tensor y = Functional.dropout(x, 0.1, true, gen);
            assertEquals(DType.BFLOAT16, y.dtype());
            float kept = (float) (1 / 0.9);
            int zeros = 0;
            for (float v : y.to(DType.FLOAT32).toFloatArray()) {
                if (v == 0) {
                    zeros++;
                } else {
                    assertEquals(kept, v, kept / 128, "bf16 rounding of 1/(1-p)");
                }
            }
            assertEquals(410, zeros, 80);
        }
    }

    @Test
    void closedGeneratorIsRejected() {
        Generator g = new Generator(1);
        g.close();
        g.close();
        assertThrows(Lora4jException.class, () -> Tensor.rand(g, DType.FLOAT32, Device.CPU, 2));
    }
}
