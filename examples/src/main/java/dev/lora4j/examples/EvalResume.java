package dev.lora4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.summarize.SummaryEvaluation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * eval's results per method, written as each method finishes ({@code predictions/NAME.jsonl} and
 * {@code predictions/NAME.settings.json}), so that a failure or a kill later loses nothing, and a rerun
 * with the same settings reuses a finished method instead of generating again. Settings are everything
 * that decides the predictions (model, data, prompt, generation, the method's own inputs); a method whose
 * recorded settings differ, or whose file is incomplete, is generated again.
 */
final class EvalResume {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final ObjectNode common;

    /**
     * @param common the settings every method shares
     */
    EvalResume(Path dir, ObjectNode common) {
        this.dir = dir;
        this.common = common;
    }

    /** The finished evaluation of method from an earlier run with the same settings, or null. */
    SummaryEvaluation reuse(String method, String description, List<DialogueExample> examples, RougeScorer scorer) {
        Path predictions = predictionsFile(method);
        Path settings = settingsFile(method);
        if (!Files.isRegularFile(predictions) || !Files.isRegularFile(settings)) {
            return null;
        }
        try {
            JsonNode recorded = JSON.readTree(settings.toFile());
            if (recorded == null || !recorded.path("settings").equals(settings(description))) {
                return null;
            }
            List<String> lines = Files.readAllLines(predictions, StandardCharsets.UTF_8);
            if (lines.size() != examples.size()) {
                return null;
            }
            List<String> texts = new ArrayList<>(lines.size());
            for (int i = 0; i < lines.size(); i++) {
                JsonNode row = JSON.readTree(lines.get(i));
                if (row == null || !row.path("id").asText().equals(examples.get(i).id()) || !row.path("prediction").isTextual()) {
                    return null;
                }
                texts.add(row.get("prediction").textValue());
            }
            return SummaryEvaluation.score(method, texts, examples, scorer, recorded.path("generation_seconds").asDouble());
        } catch (IOException | RuntimeException e) {
            return null; // unreadable leftovers are simply generated again
        }
    }

    /** Writes method's predictions, then its settings (the settings file marks the predictions complete). */
    void save(SummaryEvaluation evaluation, String description, List<DialogueExample> examples) {
        Evaluations.writePredictions(predictionsFile(evaluation.method()), evaluation, examples);
        ObjectNode record = JSON.createObjectNode();
        record.set("settings", settings(description));
        record.put("generation_seconds", evaluation.seconds());
        OutputFiles.writeString(settingsFile(evaluation.method()), record.toPrettyString());
    }

    private ObjectNode settings(String description) {
        ObjectNode s = common.deepCopy();
        s.put("method", description);
        // Through text, so the comparison with a file read back sees the same node types.
        try {
            return (ObjectNode) JSON.readTree(s.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path predictionsFile(String method) {
        return OutputPaths.inside(dir, "predictions/" + method + ".jsonl");
    }

    private Path settingsFile(String method) {
        return OutputPaths.inside(dir, "predictions/" + method + ".settings.json");
    }
}
