package dev.lora4j.tokenizer;

import static dev.lora4j.tokenizer.ParityCheck.KEEP_SPECIAL;
import static dev.lora4j.tokenizer.ParityCheck.SKIP_SPECIAL;
import static dev.lora4j.tokenizer.T5CorpusParityTest.file;

import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.PythonTokenizerReference.Job;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link HardCases} through every T5 tokenizer file and its Python reference, and through
 * tokenizer.json variants that switch on the pipeline options T5's own files leave off
 * (prepend schemes, no split, NFKC/lowercase/strip, Prepend, byte fallback, added-token flags, no
 * normalizer/decoder/post-processor), so those code paths are checked against tokenizers too.
 */
class T5HardCaseParityTest {
    private static final String META = "\u2581";
    private static List<String> cases;
    private static Path references;

    @BeforeAll
    static void runReferences() {
        cases = HardCases.all();
        String base = file("t5-tokenizer/tokenizer.json");
        Map<String, Object> metaspaceFirst = Map.of("type", "Metaspace", "replacement", META,
                "prepend_scheme", "first", "split", true);
        Map<String, Object> metaspaceNever = Map.of("type", "Metaspace", "replacement", META,
                "prepend_scheme", "never", "split", false);
        Map<String, Object> llamaDecoder = Map.of("type", "Sequence", "decoders", List.of(
                Map.of("type", "Replace", "pattern", Map.of("String", META), "content", " "),
                Map.of("type", "ByteFallback"), Map.of("type", "Fuse"),
                Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0)));
        references = PythonTokenizerReference.run("hard-cases", cases, List.of(
                Job.of("t5-json.bin", "kind", "tokenizers", "file", base),
                Job.of("t5-legacy-json.bin", "kind", "tokenizers",
                        "file", file("t5-tokenizer/t5-small.legacy-format.tokenizer.json")),
                Job.of("flan-json.bin", "kind", "tokenizers", "file", file("flan-t5-small/tokenizer.json")),
                Job.of("spiece.bin", "kind", "sentencepiece", "file", file("t5-tokenizer/spiece.model")),
                Job.of("transformers-t5.bin", "kind", "transformers", "dir", file("t5-tokenizer")),
                Job.of("transformers-flan.bin", "kind", "transformers", "dir", file("flan-t5-small")),
                variant("variant-first.json", base, "pre_tokenizer", metaspaceFirst, "decoder", metaspaceFirst),
                variant("variant-never-nosplit.json", base, "pre_tokenizer", metaspaceNever, "decoder", metaspaceNever),
                variant("variant-nfkc-lower.json", base,
                        "normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                                Map.of("type", "NFKC"), Map.of("type", "Lowercase"),
                                Map.of("type", "Strip", "strip_left", true, "strip_right", true),
                                Map.of("type", "Replace", "pattern", Map.of("String", "\t"), "content", " "))),
                        "pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(
                                Map.of("type", "WhitespaceSplit"), metaspaceFirst))),
                variant("variant-prepend.json", base, "keep_charsmap", true,
                        "normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                                Map.of("type", "Precompiled", "precompiled_charsmap", "@CHARSMAP@"),
                                Map.of("type", "Prepend", "prepend", META),
                                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", META))),
                        "pre_tokenizer", nothing(), "decoder", llamaDecoder),
                variant("variant-bytefallback.json", base, "byte_fallback", true, "decoder", llamaDecoder),
                variant("variant-added-flags.json", base,
                        "added_token_flags", Map.of("lstrip", true, "rstrip", false, "single_word", true)),
                variant("variant-normalized-added.json", base,
                        "added_token_flags", Map.of("normalized", true, "lstrip", false, "rstrip", false)),
                variant("variant-bare.json", base, "normalizer", nothing(),
                        "pre_tokenizer", Map.of("type", "Metaspace", "replacement", META, "add_prefix_space", true),
                        "decoder", nothing(), "post_processor", nothing()),
                tokenizersJob("variant-first"), tokenizersJob("variant-never-nosplit"),
                tokenizersJob("variant-nfkc-lower"), tokenizersJob("variant-prepend"),
                tokenizersJob("variant-bytefallback"), tokenizersJob("variant-added-flags"),
                tokenizersJob("variant-normalized-added"), tokenizersJob("variant-bare")));
    }

    /** A JSON null for reference.py (Map.of cannot hold one). */
    private static Object nothing() {
        return java.util.Collections.singletonMap("__null__", true);
    }

    private static Job variant(String out, String base, Object... replacements) {
        Object[] spec = new Object[replacements.length + 4];
        spec[0] = "kind";
        spec[1] = "make_variant";
        spec[2] = "base";
        spec[3] = base;
        System.arraycopy(replacements, 0, spec, 4, replacements.length);
        return Job.of(out, spec);
    }

    private static Job tokenizersJob(String variant) {
        return Job.of(variant + ".bin", "kind", "tokenizers", "file",
                PythonTokenizerReference.repoRoot().resolve("lora-runtime/target/tokenizer-reference/hard-cases")
                        .resolve(variant + ".json").toString());
    }

    private static void check(String name, Tokenizer tokenizer, String reference, ParityCheck.DecodeVariant... decodes) {
        ParityCheck.assertParity(name, tokenizer, cases, PythonTokenizerReference.results(references, reference), decodes);
    }

    @Test
    void t5TokenizerJson() {
        check("hard cases: t5-tokenizer/tokenizer.json vs tokenizers",
                T5Tokenizer.fromTokenizerJson(SharedData.path("t5-tokenizer/tokenizer.json")), "t5-json.bin",
                SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void legacyFormatTokenizerJson() {
        check("hard cases: t5-small.legacy-format.tokenizer.json vs tokenizers",
                T5Tokenizer.fromTokenizerJson(SharedData.path("t5-tokenizer/t5-small.legacy-format.tokenizer.json")),
                "t5-legacy-json.bin", SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void flanTokenizerJson() {
        check("hard cases: flan-t5-small/tokenizer.json vs tokenizers",
                T5Tokenizer.fromTokenizerJson(SharedData.path("flan-t5-small/tokenizer.json")), "flan-json.bin",
                SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void spieceModel() {
        check("hard cases: spiece.model vs sentencepiece",
                T5Tokenizer.fromSentencePieceModel(SharedData.path("t5-tokenizer/spiece.model")), "spiece.bin",
                SKIP_SPECIAL);
    }

    @Test
    void t5DirectoryTransformers5() {
        check("hard cases: t5-tokenizer/ (TRANSFORMERS_5) vs transformers",
                T5Tokenizer.load(SharedData.path("t5-tokenizer"), T5Tokenizer.Compatibility.TRANSFORMERS_5),
                "transformers-t5.bin", SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void flanDirectoryTransformers5() {
        check("hard cases: flan-t5-small/ (TRANSFORMERS_5) vs transformers",
                T5Tokenizer.load(SharedData.path("flan-t5-small"), T5Tokenizer.Compatibility.TRANSFORMERS_5),
                "transformers-flan.bin", SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"variant-first", "variant-never-nosplit", "variant-nfkc-lower", "variant-prepend",
        "variant-bytefallback", "variant-added-flags", "variant-normalized-added", "variant-bare"})
    void pipelineVariant(String variant) {
        check("hard cases: " + variant + ".json vs tokenizers",
                T5Tokenizer.fromTokenizerJson(references.resolve(variant + ".json")), variant + ".bin",
                SKIP_SPECIAL, KEEP_SPECIAL);
    }
}
