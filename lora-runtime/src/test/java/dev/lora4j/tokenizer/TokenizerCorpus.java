package dev.lora4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.testing.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every dialogue and summary of DialogSum (train, dev, test with its three summaries) and SAMSum
 * (train, val, test), as the raw strings the files hold (SAMSum's {@code \r\n} kept: the tokenizer
 * must match on them too), in a fixed order.
 */
final class TokenizerCorpus {
    private TokenizerCorpus() {}

    private static List<String> cached;

    static synchronized List<String> dialogSumAndSamSum() {
        if (cached == null) {
            List<String> out = new ArrayList<>();
            out.addAll(dialogSum());
            ObjectMapper json = new ObjectMapper();
            for (String split : List.of("train", "val", "test")) {
                for (JsonNode row : readTree(json, SharedData.path("samsum/" + split + ".json"))) {
                    out.add(row.get("dialogue").asText());
                    out.add(row.get("summary").asText());
                }
            }
            cached = List.copyOf(out);
        }
        return cached;
    }

    /** DialogSum's dialogues only (train, dev, test): the benchmark corpus. */
    static List<String> dialogSumDialogues() {
        List<String> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String split : List.of("train", "dev", "test")) {
            for (String line : lines(SharedData.path("dialogsum/dialogsum." + split + ".jsonl"))) {
                out.add(readTree(json, line).get("dialogue").asText());
            }
        }
        return out;
    }

    private static List<String> dialogSum() {
        List<String> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String split : List.of("train", "dev", "test")) {
            for (String line : lines(SharedData.path("dialogsum/dialogsum." + split + ".jsonl"))) {
                JsonNode row = readTree(json, line);
                for (String field : List.of("dialogue", "summary", "summary1", "summary2", "summary3")) {
                    if (row.has(field)) {
                        out.add(row.get(field).asText());
                    }
                }
            }
        }
        return out;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readTree(ObjectMapper json, Path file) {
        try {
            return json.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readTree(ObjectMapper json, String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
