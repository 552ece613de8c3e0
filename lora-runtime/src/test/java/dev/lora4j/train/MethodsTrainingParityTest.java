package dev.lora4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.testing.MethodTrainingParity;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training parity of IA3, LN tuning, BitFit (BEFT), prompt tuning, prefix tuning, P-tuning (MLP encoder) and DoRA with a transformers + PEFT loop, as
 * {@link TrainingParityTest} does for LoRA: the same random FLAN-shaped base, the untrained adapter saved
 * by PEFT (default initialisation: ones, copies, zeros) and loaded here, the same data, AdamW, schedule and
 * clipping, float32, dropout 0; 50 steps. Every step's loss within 1e-3 relative of PEFT's, and each trained
 * tensor within 1% of the distance training moved it of PEFT's trained tensor (biases on k, whose
 * gradient is zero, only have to stay put on both sides). About a minute per method, most of it the Python side.
 */
class MethodsTrainingParityTest {
    private static final int STEPS = 50;
    /**
     * A bias on k has a zero gradient in exact arithmetic (it shifts every score of a query's row by the same
     * amount, which softmax ignores), so both sides move it by rounding noise that Adam's normalisation
     * amplifies (measured up to 1.2e-4, where the trained biases move about 1e-2): such a tensor only has to
     * stay small next to the largest movement of any tensor, on both sides.
     */
    private static final String ZERO_GRADIENT = ".k.beft_bias";

    @ParameterizedTest
    @ValueSource(strings = {"ia3", "ln", "bitfit", "prompt", "prefix", "ptuning", "dora"})
    void fiftyStepsMatchPeft(String method, @TempDir Path dir) throws Exception {
        Path data = SharedData.path("dialogsum/dialogsum.train.jsonl");
        Path tokenizerDir = SharedData.path("flan-t5-small");
        Path script = Path.of(System.getProperty("lora4j.repo.root", "."),
                "lora-runtime/src/test/python/peft_methods_training_reference.py");
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runFile(script, dir.toString(), data.toString(),
                tokenizerDir.toString(), String.valueOf(STEPS), method));

        MethodTrainingParity.check("MethodsTrainingParityTest", method, ref, dir, STEPS, AdapterFiles.WEIGHTS_FILE, ZERO_GRADIENT,
                T5Tokenizer.Compatibility.TRANSFORMERS_5);
    }
}
