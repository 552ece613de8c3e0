package dev.lora4j.tensor;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.ParityAsserts.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.testing.PythonReference;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Float32 linear layers on the CPU run through ATen's MKL, or oneDNN with LORA4J_CPU_GEMM=onednn
 * (native/src/cpu/cpu_gemm.h); whichever it is, y, dx and (for a trainable weight) dW equal PyTorch's
 * F.linear and autograd on the same numbers within float32 rounding: 2e-6 of the largest value, as two
 * GEMM libraries sum 96 products in different orders.
 */
class CpuGemmTest {
    private static final String REFERENCE = """
            import json, torch
            n = lambda *s: torch.sin(torch.arange(torch.Size(s).numel(), dtype=torch.float64) * 0.37 + len(s)).reshape(s).float()
            x, w, b, dy = n(3, 7, 96), n(80, 96) * 0.5, n(80), n(3, 7, 80)
            xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()
            y = torch.nn.functional.linear(xg, wg, b)
            (y * dy).sum().backward()
            print(json.dumps({k: v.flatten().tolist() for k, v in
                  {"x": x, "w": w, "b": b, "dy": dy, "y": y.detach(), "dx": xg.grad, "dw": wg.grad}.items()}))
            """;
    private static final double TOLERANCE = 2e-6;

    @Test
    void frozenAndTrainableLinearMatchPyTorch() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runSource(REFERENCE));
        for (boolean trainableWeight : List.of(false, true)) {
            try (Scope scope = Scope.open()) {
                Tensor x = Tensor.of(floats(ref.get("x")), 3, 7, 96).requiresGrad(true);
                Tensor w = Tensor.of(floats(ref.get("w")), 80, 96).requiresGrad(trainableWeight);
                Tensor b = Tensor.of(floats(ref.get("b")), 80);
                Tensor dy = Tensor.of(floats(ref.get("dy")), 3, 7, 80);
                Tensor y = x.linear(w, b);
                assertClose("y, trainable weight " + trainableWeight, doubles(ref.get("y")), y.toDoubleArray(), TOLERANCE);
                y.mul(dy).sum().backward();
                assertClose("dx, trainable weight " + trainableWeight, doubles(ref.get("dx")), x.grad().toDoubleArray(), TOLERANCE);
                if (trainableWeight) {
                    assertClose("dw", doubles(ref.get("dw")), w.grad().toDoubleArray(), TOLERANCE);
                } else {
                    assertNull(w.grad(), "a frozen weight gets no gradient");
                }
            }
        }
    }

    @Test
    void reportsTheLibraryTheEnvironmentChose() {
        // scripts/test.sh runs this class a second time with LORA4J_CPU_GEMM=onednn.
        String library = NativeLibrary.cpuGemmLibrary();
        assertEquals("onednn".equals(System.getenv("LORA4J_CPU_GEMM")) ? "onednn" : "aten", library);
        assertEquals(library, NativeLibrary.cpuGemmLibrary(), "chosen once per process");
    }

    private static float[] floats(JsonNode arr) {
        double[] d = doubles(arr);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
