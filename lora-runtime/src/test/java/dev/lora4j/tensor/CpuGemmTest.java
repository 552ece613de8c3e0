package dev.lora4j.tensor;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.ParityAsserts.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.testing.PythonReference;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Float32 linear layers on the CPU run through ATen's MKL or oneDNN (LORA4J_CPU_GEMM, or
 * NativeLibrary.selectCpuGemm; native/src/cpu/cpu_gemm.h); through either, y, dx and (for a trainable
 * weight) dW equal PyTorch's F.linear and autograd on the same numbers within float32 rounding: 2e-6 of
 * the largest value, as two GEMM libraries sum 96 products in different orders.
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
    void frozenAndTrainableLinearMatchPyTorchThroughEitherLibrary() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runSource(REFERENCE));
        String chosen = NativeLibrary.cpuGemmLibrary();
        long live = NativeLibrary.liveTensors();
        try {
            for (String library : List.of("aten", "onednn")) {
                NativeLibrary.selectCpuGemm(library);
                assertEquals(library, NativeLibrary.cpuGemmLibrary());
                linearMatchesPyTorch(ref, library);
            }
        } finally {
            NativeLibrary.selectCpuGemm(chosen);
        }
        assertEquals(live, NativeLibrary.liveTensors(), "live tensors");
    }

    private static void linearMatchesPyTorch(JsonNode ref, String library) {
        for (boolean trainableWeight : List.of(false, true)) {
            try (Scope scope = Scope.open()) {
                Tensor x = Tensor.of(floats(ref.get("x")), 3, 7, 96).requiresGrad(true);
                Tensor w = Tensor.of(floats(ref.get("w")), 80, 96).requiresGrad(trainableWeight);
                Tensor b = Tensor.of(floats(ref.get("b")), 80);
                Tensor dy = Tensor.of(floats(ref.get("dy")), 3, 7, 80);
                Tensor y = x.linear(w, b);
                String what = library + ", trainable weight " + trainableWeight;
                assertClose("y, " + what, doubles(ref.get("y")), y.toDoubleArray(), TOLERANCE);
                y.mul(dy).sum().backward();
                assertClose("dx, " + what, doubles(ref.get("dx")), x.grad().toDoubleArray(), TOLERANCE);
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
        // scripts/test.sh runs this class under the default (auto: measured), then with aten and with onednn.
        String asked = System.getenv("LORA4J_CPU_GEMM");
        String library = NativeLibrary.cpuGemmLibrary();
        if (asked == null || asked.isEmpty() || "auto".equals(asked)) {
            assertTrue(library.equals("aten") || library.equals("onednn"), library);
        } else {
            assertEquals(asked, library);
        }
        assertEquals(library, NativeLibrary.cpuGemmLibrary(), "chosen once per process");
    }

    @Test
    void refusesAnUnknownLibraryName() {
        String chosen = NativeLibrary.cpuGemmLibrary();
        var e = assertThrows(IllegalArgumentException.class, () -> NativeLibrary.selectCpuGemm("mkl"));
        assertTrue(e.getMessage().contains("aten or onednn") && e.getMessage().contains("'mkl'"), e.getMessage());
        assertEquals(chosen, NativeLibrary.cpuGemmLibrary(), "a refused selection changes nothing");
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
