package dev.lora4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lora4j.testing.SharedData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One tokenizer instance shared by several threads gives each thread the single-threaded result. */
class ConcurrencyTest {
    private static final int THREADS = 6;

    @Test
    void concurrentEncodingAndDecodingMatchSingleThreaded() throws Exception {
        List<String> texts = new ArrayList<>(TokenizerCorpus.dialogSumAndSamSum().subList(0, 1500));
        texts.addAll(HardCases.all().subList(0, 250));
        for (Tokenizer tokenizer : List.of(
                T5Tokenizer.fromTokenizerJson(SharedData.path("t5-tokenizer/tokenizer.json")),
                T5Tokenizer.fromSentencePieceModel(SharedData.path("t5-tokenizer/spiece.model")),
                ByT5Tokenizer.create())) {
            int[][] expected = new int[texts.size()][];
            String[] decoded = new String[texts.size()];
            for (int i = 0; i < texts.size(); i++) {
                expected[i] = tokenizer.encode(texts.get(i));
                decoded[i] = tokenizer.decode(expected[i], true);
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = t;
                    results.add(pool.submit(() -> {
                        List<Integer> order = new ArrayList<>();
                        for (int i = 0; i < texts.size(); i++) {
                            order.add(i);
                        }
                        Collections.shuffle(order, new Random(seed));
                        int checked = 0;
                        for (int round = 0; round < 2; round++) {
                            for (int i : order) {
                                assertArrayEquals(expected[i], tokenizer.encode(texts.get(i)), "text " + i);
                                assertEquals(decoded[i], tokenizer.decode(expected[i], true), "text " + i);
                                checked++;
                            }
                        }
                        return checked;
                    }));
                }
                for (Future<Integer> result : results) {
                    assertEquals(2 * texts.size(), result.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
