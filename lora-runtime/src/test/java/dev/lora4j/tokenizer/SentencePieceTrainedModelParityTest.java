package dev.lora4j.tokenizer;

import static dev.lora4j.tokenizer.ParityCheck.SKIP_SPECIAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.tokenizer.PythonTokenizerReference.Job;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SentencePiece features T5's model does not use, checked against the sentencepiece library on
 * models it trains for the test (into target/): byte fallback ({@code <0xXX>} pieces for unknown
 * characters, and decoding them back), user-defined symbols, an extra control symbol, and a model
 * with no charsmap, no dummy prefix and no whitespace clean-up.
 */
class SentencePieceTrainedModelParityTest {
    private static List<String> texts;
    private static Path references;

    @BeforeAll
    static void trainAndRunReferences() {
        texts = new ArrayList<>(TokenizerCorpus.dialogSumAndSamSum().subList(0, 3000));
        texts.addAll(HardCases.all());
        Path dir = PythonTokenizerReference.repoRoot().resolve("lora-runtime/target/tokenizer-reference/trained-spm");
        references = PythonTokenizerReference.run("trained-spm", texts, List.of(
                Job.of("nfkc-bytefallback.model", "kind", "train_spm", "vocab_size", 1000,
                        "user_defined_symbols", List.of("<file_photo>", "#Person1#", "#Person2#")),
                Job.of("identity-raw.model", "kind", "train_spm", "vocab_size", 1000, "normalization", "identity",
                        "add_dummy_prefix", false, "remove_extra_whitespaces", false),
                Job.of("nfkc-bytefallback.bin", "kind", "sentencepiece",
                        "file", dir.resolve("nfkc-bytefallback.model").toString()),
                Job.of("identity-raw.bin", "kind", "sentencepiece",
                        "file", dir.resolve("identity-raw.model").toString())));
    }

    @Test
    void byteFallbackAndUserDefinedSymbols() {
        T5Tokenizer trained = T5Tokenizer.fromSentencePieceModel(references.resolve("nfkc-bytefallback.model"));
        // The features under test are really exercised: an emoji becomes its four UTF-8 bytes, a
        // user-defined symbol stays one piece, and decoding puts the bytes back together.
        assertEquals(List.of("\u2581", "<0xF0>", "<0x9F>", "<0xA4>", "<0x96>"), trained.tokenize("🤖"));
        assertTrue(trained.tokenize("see <file_photo> now").contains("<file_photo>"));
        assertEquals("x 🤖 y", trained.decode(trained.encode("x 🤖 y"), true));
        ParityCheck.assertParity("trained nmt_nfkc model with byte fallback and user symbols vs sentencepiece",
                trained, texts,
                PythonTokenizerReference.results(references, "nfkc-bytefallback.bin"), SKIP_SPECIAL);
    }

    @Test
    void identityNormalizationWithoutDummyPrefixOrWhitespaceCleanUp() {
        ParityCheck.assertParity("trained identity model without dummy prefix or whitespace clean-up vs sentencepiece",
                T5Tokenizer.fromSentencePieceModel(references.resolve("identity-raw.model")), texts,
                PythonTokenizerReference.results(references, "identity-raw.bin"), SKIP_SPECIAL);
    }
}
