package dev.lora4j.testing;

import static dev.lora4j.testing.JsonArrays.doubles;
import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the IA3, LN tuning and BitFit parity tests share: the PEFT side (peft_methods_reference.py), its
 * inputs, and comparisons relative to the largest reference value (|got - want| / max |want|).
 */
public final class AdapterParity {
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/peft_methods_reference.py");

    private AdapterParity() {}

    /** The reference script's inputs as tensors (in the caller's scope). */
    public record Inputs(Tensor ids, Tensor mask, Tensor labels) {
        public static Inputs from(JsonNode ref) {
            return new Inputs(Tensor.of(longs(ref.get("input_ids")), 2, 7), Tensor.of(longs(ref.get("attention_mask")), 2, 7),
                    Tensor.of(longs(ref.get("labels")), 2, 5));
        }
    }

    /** Builds base and PEFT adapter of variant (ia3, ln, bitfit, bitfit-norms) into dir; PEFT's results. */
    public static JsonNode make(Path dir, String variant) throws Exception {
        return new ObjectMapper().readTree(PythonReference.runFile(SCRIPT, "make", dir.toString(), variant));
    }

    /** PEFT's logits, state-dict keys and peft_type for base + the adapter in adapterDir. */
    public static JsonNode check(Path base, Path adapterDir) throws Exception {
        return new ObjectMapper().readTree(PythonReference.runFile(SCRIPT, "check", base.toString(), adapterDir.toString()));
    }

    public static T5Output run(T5ForConditionalGeneration model, Inputs in) {
        return model.forward(in.ids(), in.mask(), null, in.labels());
    }

    public static double[] logits(T5ForConditionalGeneration model, Inputs in) {
        return run(model, in).logits().toDoubleArray();
    }

    public static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** Asserts max |got - want| ≤ rtol · max |want|; prints and returns the measured ratio. */
    public static double assertClose(String what, double[] want, double[] got, double rtol) {
        assertEquals(want.length, got.length, what + " length");
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = scale == 0 ? maxDiff(want, got) : maxDiff(want, got) / scale;
        assertTrue(worst <= rtol, what + ": max error " + worst + " of the reference's largest value > " + rtol);
        return worst;
    }

    /**
     * Every tensor of the adapter's state dict has PEFT's gradient, and PEFT has no gradient lora4j lacks.
     * The scale is the largest gradient element over all tensors, not each tensor's own: some gradients
     * are zero in exact arithmetic (a bias on k shifts every score of a query row by the same amount,
     * which softmax ignores), and there both sides hold only rounding noise. Returns the worst ratio.
     */
    public static double assertGradients(JsonNode grads, Map<String, Tensor> stateDict, double rtol) {
        TreeSet<String> want = new TreeSet<>();
        grads.fieldNames().forEachRemaining(want::add);
        assertEquals(want, new TreeSet<>(stateDict.keySet()), "the trainable tensors are PEFT's");
        double scale = 0;
        for (String key : want) {
            for (double v : doubles(grads.get(key))) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        double worst = 0;
        for (var e : stateDict.entrySet()) {
            Tensor grad = e.getValue().grad();
            assertNotNull(grad, e.getKey() + " has a gradient");
            double err = maxDiff(doubles(grads.get(e.getKey())), grad.toDoubleArray()) / scale;
            assertTrue(err <= rtol, "gradient of " + e.getKey() + ": max error " + err + " of the largest gradient > " + rtol);
            worst = Math.max(worst, err);
        }
        return worst;
    }

    /** PEFT's loss as the reference holds it, compared relatively. */
    public static double assertLoss(JsonNode ref, Tensor loss, double rtol) {
        double want = ref.get("loss").asDouble();
        double err = Math.abs(loss.item() - want) / Math.abs(want);
        assertTrue(err <= rtol, "loss " + loss.item() + " vs PEFT's " + want);
        return err;
    }
}
