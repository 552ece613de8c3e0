package dev.lora4j.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.T5Tokenizer;
import dev.lora4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode throughput on DialogSum's dialogues (train, dev and test: 13,460 texts, 9.94 MB of UTF-8),
 * the corpus benchmarks/python/tokenizer_bench.py gives the Python tokenizers. Each operation
 * encodes the next dialogue (with {@code </s>}); the {@code bytes} counter is the UTF-8 size of what
 * was encoded, so its score in ops/s is bytes per second (summed over threads).
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -Dlora4j.shared.data=../shared/data -jar benchmarks/target/lora4j-benchmarks.jar TokenizerBenchmark
 * </pre>
 *
 * The data directory comes from {@code -Dlora4j.shared.data} (default {@code ../shared/data} from
 * the working directory); JMH hands the launching JVM's -D options on to its forked JVMs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TokenizerBenchmark {

    /** Which tokenizer: T5 from tokenizer.json, T5 from spiece.model, or ByT5. */
    @Param({"t5-tokenizer.json", "t5-spiece.model", "byt5"})
    public String tokenizer;

    private Tokenizer instance;
    private String[] dialogues;
    private int[] utf8Lengths;

    /** Per-thread progress through the corpus and the bytes encoded so far. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Progress {
        /** UTF-8 bytes encoded; reported as a rate, i.e. bytes per second. */
        public long bytes;
        private int next;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup
    public void load() {
        Path data = Path.of(System.getProperty("lora4j.shared.data", "../shared/data")).toAbsolutePath().normalize();
        instance = switch (tokenizer) {
            case "t5-tokenizer.json" -> T5Tokenizer.fromTokenizerJson(data.resolve("t5-tokenizer/tokenizer.json"));
            case "t5-spiece.model" -> T5Tokenizer.fromSentencePieceModel(data.resolve("t5-tokenizer/spiece.model"));
            case "byt5" -> ByT5Tokenizer.create();
            default -> throw new IllegalArgumentException(tokenizer);
        };
        List<String> texts = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String split : List.of("train", "dev", "test")) {
            try {
                for (String line : Files.readAllLines(data.resolve("dialogsum/dialogsum." + split + ".jsonl"))) {
                    if (!line.isBlank()) {
                        texts.add(json.readTree(line).get("dialogue").asText());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("DialogSum not found under " + data + " (set -Dlora4j.shared.data)", e);
            }
        }
        dialogues = texts.toArray(new String[0]);
        utf8Lengths = new int[dialogues.length];
        for (int i = 0; i < dialogues.length; i++) {
            utf8Lengths[i] = dialogues[i].getBytes(StandardCharsets.UTF_8).length;
        }
    }

    private int[] encodeNext(Progress progress) {
        int i = progress.next;
        progress.next = i + 1 == dialogues.length ? 0 : i + 1;
        progress.bytes += utf8Lengths[i];
        return instance.encode(dialogues[i]);
    }

    @Benchmark
    @Threads(1)
    public int[] encode1Thread(Progress progress) {
        return encodeNext(progress);
    }

    @Benchmark
    @Threads(2)
    public int[] encode2Threads(Progress progress) {
        return encodeNext(progress);
    }
}
