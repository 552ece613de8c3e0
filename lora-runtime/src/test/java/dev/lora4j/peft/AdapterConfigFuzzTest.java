package dev.lora4j.peft;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.testing.FuzzBudget;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target: adapter_config.json. Any file either reads into a valid config of its method or is refused with a
 * {@link Lora4jException} naming the field; nothing is silently defaulted (the strict readers of
 * dev.lora4j.peft.ConfigFields) and no other exception escapes. JAZZER_FUZZ=1 fuzzes (docs/RELIABILITY.md).
 */
class AdapterConfigFuzzTest {
    private static Path dir;

    @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
    void adapterConfig(byte[] json) throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("lora4j-fuzz-adapter");
            dir.toFile().deleteOnExit();
        }
        Path file = dir.resolve(AdapterFiles.CONFIG_FILE);
        Files.write(file, json);
        try {
            MethodConfig c = PeftModel.readConfig(dir);
            if (c instanceof dev.lora4j.peft.lora.LoraConfig lora && (lora.r() < 1 || !Double.isFinite(lora.loraAlpha()))) {
                throw new AssertionError("accepted an invalid config: " + c);
            }
        } catch (Lora4jException expected) {
            // refused with a message: the contract
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
