package dev.lora4j.peft.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused LoRA op against a float64 reference of the same formula built from plain ops (for p > 0
 * with the op's own regenerated mask, from LoraOps.dropout), a finite-difference gradient check, and
 * Philox's published known-answer vectors.
 */
class LoraOpsTest {
    private static final double TOL = 1e-12;

    /** Random123's known-answer tests for Philox4x32-10 (kat_vectors). */
    @Test
    void philoxMatchesTheKnownAnswerVectors() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                LoraOps.philox4x32(new int[] {0, 0, 0, 0}, new int[] {0, 0}));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                LoraOps.philox4x32(new int[] {-1, -1, -1, -1}, new int[] {-1, -1}));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                LoraOps.philox4x32(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, new int[] {0xa4093822, 0x299f31d0}));
    }

    private static Tensor randn(Generator g, long... shape) {
        return Tensor.randn(g, DType.FLOAT64, Device.CPU, shape);
    }

    /** The formula written with plain ops: x·Wᵀ + b + s·(D(x)·Aᵀ)·Bᵀ, D taken from the op's own mask. */
    private static Tensor reference(Tensor x, Tensor w, Tensor bias, Tensor a, Tensor b, double s, double p, long seed, long offset) {
        // x times the op's own mask (dropout of ones), so the reference stays differentiable in x.
        Tensor xd = p > 0 ? x.mul(LoraOps.dropout(Tensor.ones(DType.FLOAT64, Device.CPU, x.shape()), p, seed, offset)) : x;
        Tensor base = x.linear(w, bias);
        return base.add(xd.matmul(a.transpose(0, 1)).matmul(b.transpose(0, 1)).mul(s));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.1, 0.5})
    void forwardAndBackwardMatchTheFloat64Reference(double p) {
        try (Scope scope = Scope.open(); Generator g = new Generator(11)) {
            Tensor x = randn(g, 2, 5, 16);
            Tensor w = randn(g, 12, 16);
            Tensor bias = randn(g, 12);
            Tensor a = randn(g, 4, 16);
            Tensor b = randn(g, 12, 4);
            double s = 2.0;
            Tensor dy = randn(g, 2, 5, 12);
            Tensor[] fused = gradients(x, w, bias, a, b, dy, () -> LoraOps.loraLinear(x, w, bias, a, b, s, p, 99, 7, true));
            Tensor[] ref = gradients(x, w, bias, a, b, dy, () -> reference(x, w, bias, a, b, s, p, 99, 7));
            String[] names = {"y", "dx", "dw", "dbias", "dA", "dB"};
            for (int i = 0; i < names.length; i++) {
                assertArrayEquals(ref[i].toDoubleArray(), fused[i].toDoubleArray(), TOL, names[i] + " at p=" + p);
            }
        }
    }

    /** Runs forward, backward with dy, and returns {y, dx, dw, dbias, dA, dB}. */
    private static Tensor[] gradients(Tensor x, Tensor w, Tensor bias, Tensor a, Tensor b, Tensor dy,
                                      java.util.function.Supplier<Tensor> forward) {
        for (Tensor t : new Tensor[] {x, w, bias, a, b}) {
            t.zeroGrad();
            t.requiresGrad(true);
        }
        Tensor y = forward.get();
        y.backward(dy, false);
        Tensor[] out = {y.detach(), x.grad(), w.grad(), bias.grad(), a.grad(), b.grad()};
        for (Tensor t : new Tensor[] {x, w, bias, a, b}) {
            t.zeroGrad();
            t.requiresGrad(false);
        }
        return out;
    }

    /**
     * The adapter-only op over a base output computed elsewhere (here x·Wᵀ + b, so W and b get their
     * gradients through it): the same float64 reference, so LoRA over any linear layer computes what
     * the fused op computes over a dense one.
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.1, 0.5})
    void theAdapterOnlyOpMatchesTheFloat64Reference(double p) {
        try (Scope scope = Scope.open(); Generator g = new Generator(12)) {
            Tensor x = randn(g, 2, 5, 16);
            Tensor w = randn(g, 12, 16);
            Tensor bias = randn(g, 12);
            Tensor a = randn(g, 4, 16);
            Tensor b = randn(g, 12, 4);
            Tensor dy = randn(g, 2, 5, 12);
            Tensor[] added = gradients(x, w, bias, a, b, dy,
                    () -> LoraOps.loraAdd(x.linear(w, bias), x, a, b, 1.5, p, 99, 7, true));
            Tensor[] ref = gradients(x, w, bias, a, b, dy, () -> reference(x, w, bias, a, b, 1.5, p, 99, 7));
            String[] names = {"y", "dx", "dw", "dbias", "dA", "dB"};
            for (int i = 0; i < names.length; i++) {
                assertArrayEquals(ref[i].toDoubleArray(), added[i].toDoubleArray(), TOL, names[i] + " at p=" + p);
            }
            Lora4jException e = assertThrows(Lora4jException.class,
                    () -> LoraOps.loraAdd(randn(g, 2, 5, 11), x, a, b, 1.0, 0.0, 0, 0, false));
            assertTrue(e.getMessage().contains("does not write"), e.getMessage());
        }
    }

    @Test
    void finiteDifferenceGradientCheck() {
        try (Scope scope = Scope.open(); Generator g = new Generator(3)) {
            Tensor x = randn(g, 3, 6);
            Tensor w = randn(g, 5, 6);
            Tensor a = randn(g, 2, 6);
            Tensor b = randn(g, 5, 2);
            Tensor dy = randn(g, 3, 5);
            double p = 0.3;
            Tensor[] params = {x, w, a, b};
            for (Tensor t : params) {
                t.requiresGrad(true);
            }
            LoraOps.loraLinear(x, w, null, a, b, 1.5, p, 5, 0, true).mul(dy).sum().backward();
            for (int k = 0; k < params.length; k++) {
                double[] analytic = params[k].grad().toDoubleArray();
                double[] base = params[k].toDoubleArray();
                long[] shape = params[k].shape();
                double eps = 1e-6;
                for (int i = 0; i < base.length; i++) {
                    double[] plus = base.clone();
                    double[] minus = base.clone();
                    plus[i] += eps;
                    minus[i] -= eps;
                    double fp = objective(params, k, Tensor.of(plus, shape), dy, p);
                    double fm = objective(params, k, Tensor.of(minus, shape), dy, p);
                    double numeric = (fp - fm) / (2 * eps);
                    assertEquals(numeric, analytic[i], 1e-6 * Math.max(1, Math.abs(numeric)), "param " + k + " element " + i);
                }
            }
        }
    }

    private static double objective(Tensor[] params, int k, Tensor replaced, Tensor dy, double p) {
        Tensor[] t = params.clone();
        t[k] = replaced;
        try (var noGrad = dev.lora4j.tensor.Autograd.noGrad()) {
            return LoraOps.loraLinear(t[0], t[1], null, t[2], t[3], 1.5, p, 5, 0, true).mul(dy).sum().item();
        }
    }

    @Test
    void theMaskIsAFunctionOfSeedAndOffsetAlone() {
        try (Scope scope = Scope.open()) {
            Tensor ones = Tensor.ones(DType.FLOAT64, Device.CPU, 100_000);
            double[] m1 = LoraOps.dropout(ones, 0.25, 1, 0).toDoubleArray();
            double[] m2 = LoraOps.dropout(ones, 0.25, 1, 0).toDoubleArray();
            double[] m3 = LoraOps.dropout(ones, 0.25, 2, 0).toDoubleArray();
            double[] m4 = LoraOps.dropout(ones, 0.25, 1, 100_000).toDoubleArray();
            assertArrayEquals(m1, m2);
            assertFalse(Arrays.equals(m1, m3));
            assertFalse(Arrays.equals(m1, m4));
            long dropped = Arrays.stream(m1).filter(v -> v == 0).count();
            assertEquals(25_000, dropped, 600, "about p of the elements are dropped");
            assertTrue(Arrays.stream(m1).allMatch(v -> v == 0 || v == 1 / 0.75));
            // bf16 and fp32 inputs see the same mask.
            float[] f32 = LoraOps.dropout(ones.to(DType.FLOAT32), 0.25, 1, 0).toFloatArray();
            float[] bf16 = LoraOps.dropout(ones.to(DType.BFLOAT16), 0.25, 1, 0).toFloatArray();
            for (int i = 0; i < 1000; i++) {
                assertEquals(m1[i] == 0, f32[i] == 0);
                assertEquals(m1[i] == 0, bf16[i] == 0);
            }
        }
    }

    @Test
    void evalModeAndZeroDropoutAreDeterministicAndEqual() {
        try (Scope scope = Scope.open(); Generator g = new Generator(4)) {
            Tensor x = randn(g, 4, 8);
            Tensor w = randn(g, 3, 8);
            Tensor a = randn(g, 2, 8);
            Tensor b = randn(g, 3, 2);
            double[] eval = LoraOps.loraLinear(x, w, null, a, b, 1, 0.5, 1, 0, false).toDoubleArray();
            double[] noDropout = LoraOps.loraLinear(x, w, null, a, b, 1, 0.0, 1, 0, true).toDoubleArray();
            assertArrayEquals(eval, noDropout, 0.0);
            double[] train1 = LoraOps.loraLinear(x, w, null, a, b, 1, 0.5, 1, 0, true).toDoubleArray();
            double[] train2 = LoraOps.loraLinear(x, w, null, a, b, 1, 0.5, 1, 0, true).toDoubleArray();
            assertArrayEquals(train1, train2, 0.0);
        }
    }

    @Test
    void groupedAdaptersEqualSeparateCallsOverSlicesOfThePackedWeight() {
        try (Scope scope = Scope.open(); Generator g = new Generator(8)) {
            Tensor x = randn(g, 3, 4, 10);
            Tensor wq = randn(g, 6, 10);
            Tensor wv = randn(g, 5, 10);
            Tensor packed = Tensor.cat(0, wq, wv);
            Tensor aq = randn(g, 2, 10);
            Tensor bq = randn(g, 6, 2);
            Tensor av = randn(g, 3, 10);
            Tensor bv = randn(g, 5, 3);
            double p = 0.2;
            Tensor grouped = LoraOps.loraLinearGrouped(x, packed, null,
                    List.of(new LoraOps.Adapter(aq, bq, 0.5), new LoraOps.Adapter(av, bv, 2.0)), p, 9, 40, true);
            long numel = x.numel();
            Tensor q = LoraOps.loraLinear(x, wq, null, aq, bq, 0.5, p, 9, 40, true);
            Tensor v = LoraOps.loraLinear(x, wv, null, av, bv, 2.0, p, 9, 40 + numel, true);
            assertArrayEquals(Tensor.cat(-1, q, v).toDoubleArray(), grouped.toDoubleArray(), TOL);
        }
    }

    @Test
    void lowPrecisionInputsAccumulateInFloat32() {
        try (Scope scope = Scope.open(); Generator g = new Generator(2)) {
            Tensor x = randn(g, 64, 256);
            Tensor w = randn(g, 128, 256).mul(0.05);
            Tensor a = randn(g, 16, 256).mul(0.05);
            Tensor b = randn(g, 128, 16).mul(0.05);
            double[] exact = LoraOps.loraLinear(x, w, null, a, b, 2, 0, 0, 0, false).toDoubleArray();
            for (DType t : new DType[] {DType.FLOAT32, DType.BFLOAT16, DType.FLOAT16}) {
                Tensor y = LoraOps.loraLinear(x.to(t), w.to(t), null, a.to(t), b.to(t), 2, 0, 0, 0, false);
                assertEquals(t, y.dtype());
                double[] got = y.toDoubleArray();
                double tol = t == DType.FLOAT32 ? 1e-4 : t == DType.FLOAT16 ? 2e-2 : 1e-1;
                double worst = 0;
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - exact[i]));
                }
                assertTrue(worst < tol, t + ": max error " + worst + " over outputs of magnitude ~1");
            }
        }
    }

    @Test
    void badShapesAndSettingsAreReported() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.zeros(2, 8);
            Tensor w = Tensor.zeros(4, 8);
            Tensor a = Tensor.zeros(2, 8);
            Tensor b = Tensor.zeros(4, 2);
            Lora4jException e = assertThrows(Lora4jException.class, () -> LoraOps.loraLinear(x, w, null, Tensor.zeros(2, 7), b, 1, 0, 0, 0, true));
            assertEquals("lora_linear", e.op());
            assertTrue(e.getMessage().contains("does not read 8 features"), e.getMessage());
            assertThrows(Lora4jException.class, () -> LoraOps.loraLinear(x, w, null, a, Tensor.zeros(4, 3), 1, 0, 0, 0, true));
            assertThrows(Lora4jException.class, () -> LoraOps.loraLinear(x, w, null, Tensor.zeros(300, 8), Tensor.zeros(4, 300), 1, 0, 0, 0, true));
            assertThrows(Lora4jException.class, () -> LoraOps.loraLinear(x, w, null, a, b, 1, 1.0, 0, 0, true));
            assertThrows(Lora4jException.class, () -> LoraOps.loraLinear(Tensor.zeros(2, 9), w, null, a, b, 1, 0, 0, 0, true));
            assertThrows(Lora4jException.class, () -> LoraOps.loraLinear(x, w, Tensor.zeros(5), a, b, 1, 0, 0, 0, true));
            assertThrows(Lora4jException.class, () -> LoraOps.loraLinearGrouped(x, w, null, List.of(new LoraOps.Adapter(a, Tensor.zeros(3, 2), 1)), 0, 0, 0, true));
        }
    }
}
