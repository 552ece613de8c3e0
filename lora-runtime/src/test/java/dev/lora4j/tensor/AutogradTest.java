package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Autograd through the bindings against PyTorch's gradients of the same composite function. */
class AutogradTest {

    /** Tolerance 1e-10 absolute: both sides run libtorch's float64 kernels and backward formulas. */
    @Test
    void compositeGradientsMatchPyTorch() throws Exception {
        Path script = Path.of(System.getProperty("lora4j.repo.root", "."), "lora-runtime/src/test/python/autograd_reference.py");
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runFile(script));
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(doubles(ref.get("x")), 4, 5).requiresGrad(true);
            Tensor w = Tensor.of(doubles(ref.get("w")), 3, 5).requiresGrad(true);
            Tensor b = Tensor.of(doubles(ref.get("b")), 3).requiresGrad(true);
            Tensor e = Tensor.of(doubles(ref.get("e")), 6, 5).requiresGrad(true);
            Tensor ids = Tensor.of(longs(ref.get("ids")), 2, 3);
            Tensor targets = Tensor.of(longs(ref.get("targets")), 4);

            Tensor h = x.matmul(w.transpose(0, 1));
            Tensor f = h.add(b).tanh().mul(2).softmax(-1).mul(h.logSoftmax(-1)).sum();
            f = f.add(x.geluTanh().pow(2).mean()).add(x.mul(x).add(1).rsqrt().mean());
            f = f.add(Functional.embedding(e, ids).sum().mul(0.5));
            f = f.add(Functional.crossEntropy(h, targets));
            f = f.add(x.geluMul(x.mul(0.5).add(1), true).sum()).add(h.geluMul(b, false).mean());
            f.backward();

            assertEquals(ref.get("value").asDouble(), f.item(), 1e-10);
            assertArrayEquals(doubles(ref.get("grad_x")), x.grad().toDoubleArray(), 1e-10, "grad x");
            assertArrayEquals(doubles(ref.get("grad_w")), w.grad().toDoubleArray(), 1e-10, "grad w");
            assertArrayEquals(doubles(ref.get("grad_b")), b.grad().toDoubleArray(), 1e-10, "grad b");
            assertArrayEquals(doubles(ref.get("grad_e")), e.grad().toDoubleArray(), 1e-10, "grad e");
        }
    }

    /**
     * geluMul with the tanh approximation in float32 runs ATen's arithmetic in one pass forward and one
     * backward on CPUs with AVX2 and FMA (and the composed ops elsewhere): its values and the gradients of
     * both inputs equal the composition geluTanh, then mul, under autograd, to 4e-6 relative of each
     * element, or of 1 % of the largest element where an element is smaller. Where ATen's kernels run
     * their AVX2 vector path the two agree bit for bit (measured on a Zen 3: 0 over the larger shapes).
     * Its scalar tails use std::tanh, and a CPU with AVX-512 runs ATen's 512-bit tanh: each within an ulp
     * or so of the true tanh, and 1 + tanh multiplies their difference where the tanh is negative
     * (measured up to 8.6e-7 in the tails; elements near zero come out of 1 + tanh ≈ 0, hence the floor). Shapes: a (2, 500, 64) tensor; (7, 13), mostly tail;
     * and a and b as the two halves of one (2, 500, 128) or (7, 26) tensor, as a grouped wi_0 | wi_1
     * projection gives them (rows with a stride).
     */
    @Test
    void geluMulEqualsItsCompositionInFloat32() {
        long live = NativeLibrary.liveTensors();
        for (long[] shape : new long[][] {{2, 500, 64}, {7, 13}, {2, 500, -64}, {7, -13}}) {
            double[][] fused = geluMulAndGradients(true, shape);
            double[][] composed = geluMulAndGradients(false, shape);
            String[] names = {"values", "gradient of a", "gradient of b"};
            for (int i = 0; i < 3; i++) {
                double largest = java.util.Arrays.stream(composed[i]).map(Math::abs).max().orElse(0);
                double worst = 0;
                for (int j = 0; j < fused[i].length; j++) {
                    double scale = Math.max(Math.abs(composed[i][j]), 0.01 * largest);
                    worst = Math.max(worst, Math.abs(fused[i][j] - composed[i][j]) / Math.max(scale, 1e-30));
                }
                System.out.printf("geluMul float32 %s, %s: worst scaled difference %.2e%n", java.util.Arrays.toString(shape), names[i], worst);
                assertTrue(worst <= 4e-6, names[i] + " of " + java.util.Arrays.toString(shape) + ": worst scaled difference " + worst);
            }
        }
        assertEquals(live, NativeLibrary.liveTensors(), "live tensors");
    }

    /** Values, then the gradients of a and b; a last size below zero: a and b are halves of one tensor. */
    private static double[][] geluMulAndGradients(boolean fused, long[] shape) {
        try (Scope scope = Scope.open(); Generator init = new Generator(3, Device.CPU)) {
            long last = shape.length - 1;
            long[] size = shape.clone();
            size[(int) last] = Math.abs(shape[(int) last]);
            Tensor a, b, aLeaf, bLeaf;
            if (shape[(int) last] < 0) { // halves of one (..., 2·cols) leaf: row stride 2·cols
                long[] wide = size.clone();
                wide[(int) last] *= 2;
                aLeaf = Tensor.randn(init, DType.FLOAT32, Device.CPU, wide).mul(2).detach().requiresGrad(true);
                bLeaf = aLeaf;
                a = aLeaf.narrow(last, 0, size[(int) last]);
                b = aLeaf.narrow(last, size[(int) last], size[(int) last]);
            } else {
                aLeaf = Tensor.randn(init, DType.FLOAT32, Device.CPU, size).mul(2).detach().requiresGrad(true);
                bLeaf = Tensor.randn(init, DType.FLOAT32, Device.CPU, size).requiresGrad(true);
                a = aLeaf;
                b = bLeaf;
            }
            Tensor dy = Tensor.randn(init, DType.FLOAT32, Device.CPU, size);
            Tensor y = fused ? a.geluMul(b, true) : a.geluTanh().mul(b);
            y.backward(dy, false);
            double[] aGrad = aLeaf.grad().toDoubleArray();
            double[] bGrad = bLeaf == aLeaf ? aGrad : bLeaf.grad().toDoubleArray();
            return new double[][] {y.toDoubleArray(), aGrad, bGrad};
        }
    }

    /**
     * Functional.dropoutAttention is the composition softmax(q·kᵀ + bias), then dropout, then the product
     * with v, drawn from the same generator state: the same values bit for bit (the same ops), and the same
     * gradients of q, k, v and a trainable bias, in float64 to 1e-12 (the node runs batch element by
     * element, recomputes the probabilities in backward and sums a broadcast bias's gradient element by
     * element, so its products and sums may round in another order than autograd's). Every bias T5 passes:
     * none, a position bias broadcast over the batch (1, H, Tq, Tk), one per element (B, H, Tq, Tk), a
     * padding mask (B, 1, 1, Tk), and a 3-D (H, Tq, Tk); q, k, v contiguous and split from projections as
     * T5 splits heads (views whose batch and heads do not merge); in training and in eval. H·Tq·Tk is odd,
     * so the second element's mask starts inside a Philox block.
     */
    @Test
    void dropoutAttentionEqualsItsComposition() {
        long live = NativeLibrary.liveTensors();
        long[][] biasShapes = {null, {1, 3, 7, 9}, {2, 3, 7, 9}, {2, 1, 1, 9}, {3, 7, 9}};
        for (long[] biasShape : biasShapes) {
            for (boolean splitHeads : new boolean[] {false, true}) {
                for (boolean training : new boolean[] {true, false}) {
                    assertAttentionMatchesComposition(biasShape, splitHeads, training, ALL_TRAINABLE);
                }
            }
        }
        // The backward's other paths: dv alone (the frozen q and k of a first layer), and q, k and the bias
        // without v.
        assertAttentionMatchesComposition(new long[] {1, 3, 7, 9}, true, true, new boolean[] {false, false, true, false});
        assertAttentionMatchesComposition(null, true, true, new boolean[] {false, false, true, false});
        assertAttentionMatchesComposition(new long[] {2, 3, 7, 9}, true, true, new boolean[] {true, true, false, true});
        assertAttentionMatchesComposition(null, false, true, new boolean[] {true, false, false, false});
        assertEquals(live, NativeLibrary.liveTensors(), "live tensors");
    }

    private static final boolean[] ALL_TRAINABLE = {true, true, true, true};

    private static void assertAttentionMatchesComposition(long[] biasShape, boolean splitHeads, boolean training, boolean[] trainable) {
        double[][] composed = attentionAndGradients(false, biasShape, splitHeads, training, trainable);
        double[][] fused = attentionAndGradients(true, biasShape, splitHeads, training, trainable);
        String what = "bias " + java.util.Arrays.toString(biasShape) + (splitHeads ? ", split heads, " : ", contiguous, ")
                + (training ? "training" : "eval") + ", trainable " + java.util.Arrays.toString(trainable) + ": ";
        assertArrayEquals(composed[0], fused[0], 0.0, what + "values");
        String[] names = {"q", "k", "v", "bias"};
        for (int i = 1; i < composed.length; i++) {
            boolean expected = trainable[i - 1] && (i < 4 || biasShape != null);
            assertEquals(expected, composed[i] != null, what + "gradient of " + names[i - 1] + " in the composition");
            assertEquals(expected, fused[i] != null, what + "gradient of " + names[i - 1]);
            if (composed[i] != null) {
                assertArrayEquals(composed[i], fused[i], 1e-12, what + "gradient of " + names[i - 1]);
            }
        }
        assertTrue(java.util.Arrays.stream(composed[0]).anyMatch(d -> d != 0), "the product is not all zeros");
    }

    /** Values, then the gradients of q, k, v and the bias (null where there is none or it is frozen), of one attention. */
    private static double[][] attentionAndGradients(boolean fused, long[] biasShape, boolean splitHeads, boolean training,
                                                    boolean[] trainable) {
        try (Scope scope = Scope.open(); Generator init = new Generator(11, Device.CPU); Generator masks = new Generator(5, Device.CPU)) {
            Tensor[] leaves = new Tensor[3];
            Tensor[] heads = new Tensor[3];
            long[] lengths = {7, 9, 9};
            long[] widths = {4, 4, 5};
            for (int i = 0; i < 3; i++) {
                if (splitHeads) { // (B, T, H·d) → (B, H, T, d), as T5Attention splits its projections
                    leaves[i] = Tensor.randn(init, DType.FLOAT64, Device.CPU, 2, lengths[i], 3 * widths[i]).requiresGrad(trainable[i]);
                    heads[i] = leaves[i].view(2, lengths[i], 3, widths[i]).transpose(1, 2);
                } else {
                    leaves[i] = Tensor.randn(init, DType.FLOAT64, Device.CPU, 2, 3, lengths[i], widths[i]).requiresGrad(trainable[i]);
                    heads[i] = leaves[i];
                }
            }
            Tensor q = heads[0], k = heads[1], v = heads[2];
            Tensor bias = biasShape == null ? null : Tensor.randn(init, DType.FLOAT64, Device.CPU, biasShape).requiresGrad(trainable[3]);
            Tensor y;
            if (fused) {
                y = Functional.dropoutAttention(q, k, v, bias, 0.3, training, masks);
            } else {
                Tensor scores = q.matmul(k.transpose(2, 3));
                scores = bias == null ? scores : scores.add(bias);
                y = Functional.dropout(scores.softmax(-1), 0.3, training, masks).matmul(v);
            }
            y.mul(y).sum().backward();
            return new double[][] {y.toDoubleArray(), gradientOf(leaves[0]), gradientOf(leaves[1]), gradientOf(leaves[2]),
                    bias == null ? null : gradientOf(bias)};
        }
    }

    private static double[] gradientOf(Tensor leaf) {
        Tensor grad = leaf.grad();
        return grad == null ? null : grad.toDoubleArray();
    }

    /** The node's shape checks name the shapes (q, k, v of different batches; a bias of another batch). */
    @Test
    void dropoutAttentionRejectsMismatchedShapes() {
        long live = NativeLibrary.liveTensors();
        try (Scope scope = Scope.open(); Generator init = new Generator(1, Device.CPU)) {
            Tensor q = Tensor.randn(init, DType.FLOAT32, Device.CPU, 2, 3, 7, 4);
            Tensor k = Tensor.randn(init, DType.FLOAT32, Device.CPU, 1, 3, 9, 4);
            Tensor v = Tensor.randn(init, DType.FLOAT32, Device.CPU, 2, 3, 9, 4);
            Lora4jException batches = assertThrows(Lora4jException.class,
                    () -> Functional.dropoutAttention(q, k, v, null, 0.1, true, init));
            assertTrue(batches.getMessage().contains("[1, 3, 9, 4]"), batches.getMessage());
            Tensor bias = Tensor.randn(init, DType.FLOAT32, Device.CPU, 3, 3, 7, 9);
            Lora4jException biasBatch = assertThrows(Lora4jException.class,
                    () -> Functional.dropoutAttention(q, v, v, bias, 0.1, true, init));
            assertTrue(biasBatch.getMessage().contains("bias"), biasBatch.getMessage());
        }
        assertEquals(live, NativeLibrary.liveTensors(), "live tensors");
    }

    @Test
    void gradIsNullBeforeBackwardAndDroppedByZeroGrad() {
        try (Scope scope = Scope.open()) {
            Tensor w = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
            assertTrue(w.requiresGrad());
            assertNull(w.grad());
            w.mul(w).sum().backward();
            assertArrayEquals(new double[] {2, 4, 6}, w.grad().toDoubleArray());
            // Gradients accumulate across backward passes, as in PyTorch.
            w.mul(w).sum().backward();
            assertArrayEquals(new double[] {4, 8, 12}, w.grad().toDoubleArray());
            w.zeroGrad();
            assertNull(w.grad());
        }
    }

    @Test
    void backwardWithExplicitGradientAndRetainedGraph() {
        try (Scope scope = Scope.open()) {
            Tensor w = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
            Tensor y = w.mul(w); // saves w for backward, so a second pass needs the retained graph
            y.backward(Tensor.of(new double[] {1, 10}, 2), true);
            y.backward(Tensor.of(new double[] {1, 10}, 2), false);
            assertArrayEquals(new double[] {4, 80}, w.grad().toDoubleArray());
            // The graph is gone after a pass without retainGraph.
            Lora4jException e = assertThrows(Lora4jException.class, () -> y.backward(Tensor.of(new double[] {1, 1}, 2), false));
            assertEquals("backward", e.op());
        }
    }

    @Test
    void noGradStopsRecordingAndRestoresTheMode() {
        try (Scope scope = Scope.open()) {
            Tensor w = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
            assertTrue(Autograd.isEnabled());
            try (var mode = Autograd.noGrad()) {
                assertFalse(Autograd.isEnabled());
                Tensor y = w.mul(2);
                assertFalse(y.requiresGrad());
                // In-place updates of parameters are allowed without grad (weight loading, optimizers).
                w.mulInPlace(0.5);
            }
            assertTrue(Autograd.isEnabled());
            assertArrayEquals(new double[] {0.5, 1}, w.toDoubleArray());
            assertFalse(w.detach().requiresGrad());
            assertTrue(w.mul(2).requiresGrad());
        }
    }

    @Test
    void gradModeIsPerThread() throws Exception {
        try (var mode = Autograd.noGrad()) {
            boolean[] seen = new boolean[1];
            Thread t = new Thread(() -> seen[0] = Autograd.isEnabled());
            t.start();
            t.join();
            assertTrue(seen[0], "another thread keeps its own grad mode");
            assertFalse(Autograd.isEnabled());
        }
    }

    @Test
    void inPlaceUpdateOfALeafThatRequiresGradFailsWithLibtorchsMessage() {
        try (Scope scope = Scope.open()) {
            Tensor w = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
            Lora4jException e = assertThrows(Lora4jException.class, () -> w.mulInPlace(2));
            assertTrue(e.getMessage().contains("leaf Variable that requires grad"), e.getMessage());
            assertNotNull(w.toDoubleArray());
        }
    }
}
