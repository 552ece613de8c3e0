package dev.lora4j.tokenizer;

import static dev.lora4j.tokenizer.ParityCheck.KEEP_SPECIAL;
import static dev.lora4j.tokenizer.ParityCheck.SKIP_SPECIAL;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lora4j.tokenizer.PythonTokenizerReference.Job;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ByT5Tokenizer} against transformers' {@code ByT5Tokenizer} (the slow Python tokenizer). */
class ByT5ParityTest {
    private final ByT5Tokenizer tokenizer = ByT5Tokenizer.create();

    @Test
    void corpusMatchesTransformers() {
        List<String> corpus = TokenizerCorpus.dialogSumAndSamSum();
        Path refs = PythonTokenizerReference.run("corpus-byt5", corpus, List.of(Job.of("byt5.bin", "kind", "byt5")));
        ParityCheck.assertParity("ByT5 corpus vs transformers ByT5Tokenizer", tokenizer, corpus,
                PythonTokenizerReference.results(refs, "byt5.bin"), SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void hardCasesMatchTransformers() {
        List<String> cases = new ArrayList<>(HardCases.all());
        // Whitespace that Python's str.strip() removes but Unicode's White_Space does not include.
        cases.addAll(List.of("x \u001c</s>\u001f y", "\u001e<pad>", "<unk>\u0085\u00a0z", "a\u2028</s>\u3000b",
                "</s></s>", "</s> </s>", "text</s>", "text</s> ", "<extra_id_124>", "<extra_id_125>",
                "<extra_id_0> <pad> <extra_id_1>"));
        Path refs = PythonTokenizerReference.run("hard-cases-byt5", cases, List.of(Job.of("byt5.bin", "kind", "byt5")));
        ParityCheck.assertParity("ByT5 hard cases vs transformers ByT5Tokenizer", tokenizer, cases,
                PythonTokenizerReference.results(refs, "byt5.bin"), SKIP_SPECIAL, KEEP_SPECIAL);
    }

    @Test
    void decodingArbitraryIdsMatchesTransformers() {
        // Random ids over the whole vocabulary: ill-formed UTF-8, truncated sequences, specials in between.
        Random random = new Random(42);
        List<List<Integer>> sequences = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            List<Integer> ids = new ArrayList<>();
            int length = random.nextInt(24);
            for (int k = 0; k < length; k++) {
                int roll = random.nextInt(10);
                ids.add(roll < 6 ? 3 + 0x80 + random.nextInt(0x80) : roll < 9 ? 3 + random.nextInt(256)
                        : random.nextInt(tokenizer.vocabSize()));
            }
            sequences.add(ids);
        }
        Path refs = PythonTokenizerReference.run("decode-byt5", sequences,
                List.of(Job.of("byt5-decode.bin", "kind", "byt5_decode")));
        ReferenceResults reference = PythonTokenizerReference.results(refs, "byt5-decode.bin");
        int mismatches = 0;
        for (int i = 0; i < sequences.size(); i++) {
            int[] ids = reference.ids(i);
            if (!tokenizer.decode(ids, true).equals(reference.decoded(i, 0))
                    || !tokenizer.decode(ids, false).equals(reference.decoded(i, 1))) {
                mismatches++;
            }
        }
        System.out.printf("[tokenizer-parity] ByT5 decode of %d random id sequences vs transformers: %d mismatches%n",
                sequences.size(), mismatches);
        assertEquals(0, mismatches);
    }
}
