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
     * The fused dropout-then-product (attention's dropped probabilities times the values) draws the mask
     * dropout draws from the same generator state, and gives the composition's values and gradients exactly.
     */
    @Test
    void dropoutMatmulEqualsDropoutThenMatmul() {
        long live = NativeLibrary.liveTensors();
        double[][] composed = new double[3][];
        double[][] fused = new double[3][];
        for (double[][] out : new double[][][] {composed, fused}) {
            try (Scope scope = Scope.open(); Generator init = new Generator(11, Device.CPU); Generator masks = new Generator(5, Device.CPU)) {
                Tensor x = Tensor.randn(init, DType.FLOAT32, Device.CPU, 2, 3, 7, 9).softmax(-1).requiresGrad(true);
                Tensor v = Tensor.randn(init, DType.FLOAT32, Device.CPU, 2, 3, 9, 4).requiresGrad(true);
                Tensor y = out == composed ? Functional.dropout(x, 0.3, true, masks).matmul(v)
                        : Functional.dropoutMatmul(x, v, 0.3, true, masks);
                y.mul(y).sum().backward();
                out[0] = y.toDoubleArray();
                out[1] = x.grad().toDoubleArray();
                out[2] = v.grad().toDoubleArray();
            }
        }
        assertArrayEquals(composed[0], fused[0], 0.0, "values");
        assertArrayEquals(composed[1], fused[1], 0.0, "gradient of x");
        assertArrayEquals(composed[2], fused[2], 0.0, "gradient of v");
        assertTrue(java.util.Arrays.stream(composed[0]).anyMatch(d -> d != 0), "the product is not all zeros");
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
