package dev.lora4j.tokenizer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lora4j.testing.FuzzBudget;
import dev.lora4j.Lora4jException;

/**
 * Fuzz targets: tokenizer.json and spiece.model loading. A file either loads into a tokenizer that
 * encodes and decodes text, or is refused with a {@link Lora4jException}; any other exception is a
 * finding. Normal test runs replay the stored inputs; JAZZER_FUZZ=1 fuzzes (docs/RELIABILITY.md).
 */
class TokenizerFilesFuzzTest {
    @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
    void tokenizerJson(FuzzedDataProvider data) {
        String text = data.consumeString(64);
        byte[] file = data.consumeRemainingAsBytes();
        try {
            T5Tokenizer tokenizer = TokenizerJsonLoader.load(file, "fuzz", new TokenizerConfig(false, 0), T5Tokenizer.Compatibility.TOKENIZERS);
            exercise(tokenizer, text);
        } catch (Lora4jException expected) {
            // refused with a message: the contract
        }
    }

    @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
    void sentencePieceModel(FuzzedDataProvider data) {
        String text = data.consumeString(64);
        int extraIds = data.consumeInt(0, 100);
        byte[] file = data.consumeRemainingAsBytes();
        try {
            exercise(SentencePieceLoader.load(file, "fuzz", new TokenizerConfig(false, extraIds)), text);
        } catch (Lora4jException expected) {
            // refused with a message: the contract
        }
    }

    private static void exercise(T5Tokenizer tokenizer, String text) {
        int[] ids = tokenizer.encode(text);
        tokenizer.decode(ids, true);
    }
}
