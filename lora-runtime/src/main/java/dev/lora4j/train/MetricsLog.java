package dev.lora4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.AtomicFiles;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** metrics.jsonl: one JSON object per line, flushed as written, so a killed run keeps its history. */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path path;
    private final BufferedWriter out;

    /**
     * Opens the log for appending. On resume, lines of steps after resumedStep (written by the run that
     * was interrupted after its last checkpoint) are dropped, so the history has each step once.
     *
     * @param path        the metrics.jsonl file; created if missing
     * @param resumedStep the optimizer step the run resumes from (0 for a fresh run, which keeps only
     *                    rows without a positive step)
     */
    public MetricsLog(Path path, long resumedStep) {
        this.path = path;
        try {
            if (Files.exists(path)) {
                List<String> kept = new ArrayList<>();
                for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode row;
                    try {
                        row = JSON.readTree(line);
                    } catch (IOException e) {
                        continue; // a line cut short by the interruption
                    }
                    if (row.path("step").asLong(0) <= resumedStep) {
                        kept.add(line);
                    }
                }
                // replaced whole (temp file and rename): a run killed here keeps the history it had
                AtomicFiles.write(path, kept.stream().map(l -> l + "\n").collect(java.util.stream.Collectors.joining())
                        .getBytes(StandardCharsets.UTF_8));
            }
            out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new Lora4jException("metrics", path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends one row as a JSON object line and flushes it.
     *
     * @param row the fields in the order to write them; values Jackson can serialise
     */
    public void write(Map<String, Object> row) {
        try {
            out.write(JSON.writeValueAsString(new LinkedHashMap<>(row)));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new Lora4jException("metrics", path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every row of a metrics file.
     *
     * @param path the metrics.jsonl file
     * @return the rows in file order, blank lines skipped
     */
    public static List<JsonNode> read(Path path) {
        try {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new Lora4jException("metrics", path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new Lora4jException("metrics", path + ": " + e.getMessage(), e);
        }
    }
}
