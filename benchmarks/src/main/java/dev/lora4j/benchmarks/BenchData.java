package dev.lora4j.benchmarks;

import dev.lora4j.t5.T5Config;
import dev.lora4j.Lora4jException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the benchmarks find the project's shared data (tokenizer, FLAN-T5 configs, DialogSum): the
 * folder named by {@code -Dlora4j.shared.data}, default {@code ../shared/data} from the working
 * folder. JMH hands the launching JVM's -D options on to its forked JVMs, so one flag reaches both.
 */
final class BenchData {
    /** The FLAN-T5 shapes there are configs for, by short name. */
    static final List<String> SHAPES = List.of("small", "base", "large", "xl");

    private BenchData() {}

    static Path root() {
        Path root = Path.of(System.getProperty("lora4j.shared.data", "../shared/data")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("dialogsum"))) {
            throw new Lora4jException("bench", "shared data not found at " + root
                    + " (no dialogsum/ there); pass -Dlora4j.shared.data=/path/to/shared/data");
        }
        return root;
    }

    /** The config of flan-t5-{shape} (random weights are built from it; no checkpoint is read). */
    static T5Config flanT5(String shape) {
        if (!SHAPES.contains(shape)) {
            throw new Lora4jException("bench", "unknown shape \"" + shape + "\" (one of " + SHAPES + ")");
        }
        return T5Config.load(root().resolve("flan-t5-configs").resolve("flan-t5-" + shape + ".json"));
    }

    /** The config with another dropout rate (ablations). */
    static T5Config withDropoutRate(T5Config c, double rate) {
        return new T5Config(c.vocabSize(), c.dModel(), c.dKv(), c.dFf(), c.numLayers(), c.numDecoderLayers(), c.numHeads(),
                c.relativeAttentionNumBuckets(), c.relativeAttentionMaxDistance(), rate, c.layerNormEpsilon(),
                c.initializerFactor(), c.feedForwardProj(), c.denseActFn(), c.isGatedAct(), c.tieWordEmbeddings(),
                c.scaleDecoderOutputs(), c.isEncoderDecoder(), c.padTokenId(), c.eosTokenId(), c.decoderStartTokenId());
    }

    /** The FLAN-T5 tokenizer, loaded as transformers 5 loads it, so ids match the Python side's. */
    static Path tokenizerDir() {
        return root().resolve("flan-t5-small");
    }

    static Path dialogSum(String split) {
        return root().resolve("dialogsum").resolve("dialogsum." + split + ".jsonl");
    }
}
