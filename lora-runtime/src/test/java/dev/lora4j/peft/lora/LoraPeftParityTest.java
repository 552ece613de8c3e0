package dev.lora4j.peft.lora;

import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused op against PEFT's LoRA Linear (peft 0.21.2) on identical weights with dropout 0: output
 * and the gradients of x, A and B. Tolerances: float32 1e-5 relative to the output's scale; bfloat16
 * (bf16 base, float32 adapter as PEFT keeps it) one bf16 rounding step, 2^-8 relative.
 */
class LoraPeftParityTest {

    private static Tensor tensor(JsonNode arr, DType dtype, long... shape) {
        return Tensor.of(doubles(arr), shape).to(dtype);
    }

    @ParameterizedTest(name = "{0}, rslora={1}")
    @CsvSource({"float32, 0", "float32, 1", "bfloat16, 0"})
    void matchesPeftLoraLinear(String dtypeName, int rslora) throws Exception {
        Path script = Path.of(System.getProperty("lora4j.repo.root", "."), "lora-runtime/src/test/python/peft_lora_linear_reference.py");
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runFile(script, dtypeName, String.valueOf(rslora)));
        DType base = dtypeName.equals("float32") ? DType.FLOAT32 : DType.BFLOAT16;
        assertEquals("float32", ref.get("adapter_dtype").asText(), "PEFT keeps adapters in float32");
        LoraConfig config = LoraConfig.defaults().withR(4).withAlpha(8).withRslora(rslora == 1);
        assertEquals(ref.get("scale").asDouble(), config.scale(), 1e-12, "scaling as PEFT computes it");
        try (Scope scope = Scope.open()) {
            Tensor x = tensor(ref.get("x"), base, 3, 5, 16).requiresGrad(true);
            Tensor w = tensor(ref.get("w"), base, 12, 16);
            Tensor bias = tensor(ref.get("bias"), base, 12);
            Tensor a = tensor(ref.get("a"), DType.FLOAT32, 4, 16).requiresGrad(true);
            Tensor b = tensor(ref.get("b"), DType.FLOAT32, 12, 4).requiresGrad(true);
            Tensor dy = tensor(ref.get("dy"), base, 3, 5, 12);
            Tensor y = LoraOps.loraLinear(x, w, bias, a, b, config.scale(), 0, 0, 0, true);
            assertEquals(base, y.dtype(), "the output keeps the base layer's dtype, as PEFT's");
            y.backward(dy, false);
            double rtol = base == DType.FLOAT32 ? 1e-5 : 1.0 / 256;
            assertClose("y", doubles(ref.get("y")), y.toDoubleArray(), rtol);
            assertClose("dx", doubles(ref.get("dx")), x.grad().toDoubleArray(), rtol);
            assertClose("dA", doubles(ref.get("da")), a.grad().toDoubleArray(), rtol);
            assertClose("dB", doubles(ref.get("db")), b.grad().toDoubleArray(), rtol);
        }
    }

    /** |got - want| ≤ rtol · max(|want|, mean |want|): relative, with the tensor's scale as the floor. */
    private static void assertClose(String what, double[] want, double[] got, double rtol) {
        assertEquals(want.length, got.length, what + " length");
        double scale = 0;
        for (double v : want) {
            scale += Math.abs(v) / want.length;
        }
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), scale);
            worst = Math.max(worst, err);
        }
        assertTrue(worst <= rtol, what + ": worst relative error " + worst + " > " + rtol);
        System.out.printf("LoraPeftParityTest %s: worst relative error %.3g%n", what, worst);
    }
}
