package dev.lora4j.tokenizer;

import static dev.lora4j.tokenizer.ParityCheck.KEEP_SPECIAL;
import static dev.lora4j.tokenizer.ParityCheck.KEEP_SPECIAL_NO_CLEANUP;
import static dev.lora4j.tokenizer.ParityCheck.SKIP_SPECIAL;
import static dev.lora4j.tokenizer.ParityCheck.SKIP_SPECIAL_NO_CLEANUP;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.PythonTokenizerReference.Job;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every dialogue and summary of DialogSum and SAMSum (60,658 strings, 22 MB) through each T5
 * tokenizer file and its own Python reference: identical ids, and identical text when the
 * reference ids are decoded.
 */
class T5CorpusParityTest {
    private static List<String> corpus;
    private static Path references;

    @BeforeAll
    static void runReferences() {
        corpus = TokenizerCorpus.dialogSumAndSamSum();
        references = PythonTokenizerReference.run("corpus", corpus, List.of(
                Job.of("t5-json.bin", "kind", "tokenizers", "file", file("t5-tokenizer/tokenizer.json")),
                Job.of("t5-legacy-json.bin", "kind", "tokenizers",
                        "file", file("t5-tokenizer/t5-small.legacy-format.tokenizer.json")),
                Job.of("flan-json.bin", "kind", "tokenizers", "file", file("flan-t5-small/tokenizer.json")),
                Job.of("spiece.bin", "kind", "sentencepiece", "file", file("t5-tokenizer/spiece.model")),
                Job.of("transformers-t5.bin", "kind", "transformers", "dir", file("t5-tokenizer")),
                Job.of("transformers-flan.bin", "kind", "transformers", "dir", file("flan-t5-small"))));
    }

    static String file(String relative) {
        return SharedData.path(relative).toString();
    }

    @Test
    void corpusIsComplete() {
        // DialogSum: 12,460 + 500 (dialogue, summary) + 500 x 4; SAMSum: (14,732 + 818 + 819) x 2.
        assertEquals(2 * 12_460 + 2 * 500 + 4 * 500 + 2 * (14_732 + 818 + 819), corpus.size());
    }

    @Test
    void t5TokenizerJsonMatchesTokenizers() {
        T5Tokenizer tokenizer = T5Tokenizer.fromTokenizerJson(SharedData.path("t5-tokenizer/tokenizer.json"));
        ParityCheck.assertParity("t5-tokenizer/tokenizer.json vs tokenizers", tokenizer, corpus,
                PythonTokenizerReference.results(references, "t5-json.bin"), SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void legacyFormatTokenizerJsonMatchesTokenizers() {
        T5Tokenizer tokenizer = T5Tokenizer.fromTokenizerJson(
                SharedData.path("t5-tokenizer/t5-small.legacy-format.tokenizer.json"));
        ParityCheck.assertParity("t5-small.legacy-format.tokenizer.json vs tokenizers", tokenizer, corpus,
                PythonTokenizerReference.results(references, "t5-legacy-json.bin"), SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void flanTokenizerJsonMatchesTokenizers() {
        T5Tokenizer tokenizer = T5Tokenizer.fromTokenizerJson(SharedData.path("flan-t5-small/tokenizer.json"));
        ParityCheck.assertParity("flan-t5-small/tokenizer.json vs tokenizers", tokenizer, corpus,
                PythonTokenizerReference.results(references, "flan-json.bin"), SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void spieceModelMatchesSentencePiece() {
        T5Tokenizer tokenizer = T5Tokenizer.fromSentencePieceModel(SharedData.path("t5-tokenizer/spiece.model"));
        ParityCheck.assertParity("spiece.model vs sentencepiece", tokenizer, corpus,
                PythonTokenizerReference.results(references, "spiece.bin"), SKIP_SPECIAL);
    }

    @Test
    void t5DirectoryInTransformers5ModeMatchesTransformers() {
        // tokenizer_config.json says clean_up_tokenization_spaces=true, which load() picks up.
        T5Tokenizer tokenizer = T5Tokenizer.load(SharedData.path("t5-tokenizer"), T5Tokenizer.Compatibility.TRANSFORMERS_5);
        ParityCheck.assertParity("t5-tokenizer/ (TRANSFORMERS_5) vs transformers T5Tokenizer", tokenizer, corpus,
                PythonTokenizerReference.results(references, "transformers-t5.bin"), SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void flanDirectoryInTransformers5ModeMatchesTransformers() {
        T5Tokenizer tokenizer = T5Tokenizer.load(SharedData.path("flan-t5-small"), T5Tokenizer.Compatibility.TRANSFORMERS_5);
        ParityCheck.assertParity("flan-t5-small/ (TRANSFORMERS_5) vs transformers T5Tokenizer", tokenizer, corpus,
                PythonTokenizerReference.results(references, "transformers-flan.bin"), SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void decodeWithoutCleanUpMatchesTokenizersForTheT5Directory() {
        // The directory load picks up clean_up_tokenization_spaces=true; turning it off gives tokenizers' text.
        T5Tokenizer tokenizer = T5Tokenizer.load(SharedData.path("t5-tokenizer"));
        ParityCheck.assertParity("t5-tokenizer/ without clean-up vs tokenizers", tokenizer, corpus,
                PythonTokenizerReference.results(references, "t5-json.bin"),
                SKIP_SPECIAL_NO_CLEANUP, KEEP_SPECIAL_NO_CLEANUP);
    }
}
