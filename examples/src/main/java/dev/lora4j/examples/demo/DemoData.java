package dev.lora4j.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.io.AtomicFiles;
import dev.lora4j.Lora4jException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The demo's synthetic data set in three splits. Validation and test examples come from fact
 * combinations that never occur in training (see {@link SyntheticDialogues}), and no dialogue text
 * occurs twice across the splits.
 */
public record DemoData(List<DialogueExample> train, List<DialogueExample> validation, List<DialogueExample> test) {

    public DemoData {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }

    /** Generates the splits; the same arguments always give the same examples. */
    public static DemoData generate(long seed, int train, int validation, int test) {
        if (train < 1 || validation < 0 || test < 1) {
            throw new Lora4jException("demo data", "need at least one training and one test example, got "
                    + train + "/" + validation + "/" + test);
        }
        SyntheticDialogues generator = new SyntheticDialogues(seed);
        Random random = new Random(seed);
        Set<String> seen = new HashSet<>();
        List<DialogueExample> trainSet = generator.draw(random, train, false, "train", seen);
        List<DialogueExample> validationSet = generator.draw(random, validation, true, "validation", seen);
        List<DialogueExample> testSet = generator.draw(random, test, true, "test", seen);
        return new DemoData(trainSet, validationSet, testSet);
    }

    /**
     * Writes examples as DialogSum JSONL (one {"fname", "dialogue", "summary", "topic"} object per line),
     * atomically, so {@code DialogueDatasets.dialogSum(file)} reads them back.
     */
    public static void writeJsonl(Path file, List<DialogueExample> examples) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (DialogueExample e : examples) {
            ObjectNode row = mapper.createObjectNode();
            row.put("fname", e.id());
            row.put("dialogue", e.dialogue());
            row.put("summary", e.summary());
            row.put("topic", e.topic());
            sb.append(mapper.writeValueAsString(row)).append('\n');
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes train.jsonl, validation.jsonl and test.jsonl into dir. */
    public void writeJsonl(Path dir) throws IOException {
        writeJsonl(dir.resolve("train.jsonl"), train);
        writeJsonl(dir.resolve("validation.jsonl"), validation);
        writeJsonl(dir.resolve("test.jsonl"), test);
    }
}
