package dev.lora4j.peft.bottleneck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.testing.MethodTrainingParity;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training parity of Pfeiffer and Houlsby adapters with an AdapterHub loop (adapterhub_training_reference.py):
 * the same random FLAN-shaped base (real vocabulary), AdapterHub's untrained adapter in its "bert" init loaded
 * here, DialogSum rows, AdamW, schedule and clipping as {@link MethodTrainingParity} states, float32, dropout 0,
 * 50 steps: every loss within 1e-3 relative, every trained tensor within 1% of the distance it moved (measured:
 * losses within 1.7e-7, tensors within 2.5e-7 of it; the tokenizer must be read as transformers 4 reads it).
 */
class BottleneckTrainingParityTest {
    private static final int STEPS = 50;

    @ParameterizedTest
    @ValueSource(strings = {"pfeiffer", "houlsby"})
    void fiftyStepsMatchAdapterHub(String method, @TempDir Path dir) throws Exception {
        Path script = Path.of(System.getProperty("lora4j.repo.root", "."),
                "lora-runtime/src/test/python/adapterhub_training_reference.py");
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runAdapterHubFile(script, dir.toString(),
                SharedData.path("dialogsum/dialogsum.train.jsonl").toString(), SharedData.path("flan-t5-small").toString(),
                String.valueOf(STEPS), method));
        MethodTrainingParity.check("BottleneckTrainingParityTest", method, ref, dir, STEPS, BottleneckMethod.WEIGHTS_FILE, null,
                T5Tokenizer.Compatibility.TOKENIZERS); // transformers 4.57 reads the file's pipeline
    }
}
