package dev.lora4j.io;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lora4j.testing.FuzzBudget;
import dev.lora4j.Lora4jException;

/**
 * Fuzz target: the safetensors header parser. Any header either parses into tensors that lie inside
 * the data region or is refused with a {@link Lora4jException}; anything else (an
 * IndexOutOfBounds, an overflow, a hang) is a finding. Normal test runs replay the stored inputs
 * (SafetensorsHeaderFuzzTestInputs/); JAZZER_FUZZ=1 fuzzes (docs/RELIABILITY.md).
 */
class SafetensorsHeaderFuzzTest {
    @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
    void header(FuzzedDataProvider data) {
        long dataLength = data.consumeLong(0, 1L << 40);
        byte[] header = data.consumeRemainingAsBytes();
        try {
            SafetensorsHeader.Parsed parsed = SafetensorsHeader.parse(header, 8L + header.length, dataLength, "fuzz");
            for (TensorInfo t : parsed.tensors()) {
                if (t.byteOffset() < 0 || t.byteLength() < 0 || t.byteOffset() + t.byteLength() > 8L + header.length + dataLength) {
                    throw new AssertionError("tensor outside the data region accepted: " + t);
                }
            }
        } catch (Lora4jException expected) {
            // refused with a message: the contract
        }
    }
}
