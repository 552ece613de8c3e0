package dev.lora4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.eval.CorpusRouge;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.eval.RougeType;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * ROUGE of predictions against references, as rouge-score computes it (mean F-measure, best reference
 * per example). Plain text files hold one summary per line, aligned; a JSONL file (as eval writes,
 * {"prediction", "references": [...]}) can hold both.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = "ROUGE-1/2/L/Lsum of predictions against references (identical to the rouge-score package).")
final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--predictions", required = true, paramLabel = "FILE",
            description = "One prediction per line, or JSONL with \"prediction\" (and \"references\" if no --references).")
    Path predictions;

    @Option(names = "--references", paramLabel = "FILE",
            description = "One reference per line aligned with the predictions; repeat for several references per example.")
    List<Path> references = new ArrayList<>();

    @Option(names = "--types", paramLabel = "TYPES", split = ",", defaultValue = "rouge1,rouge2,rougeL,rougeLsum",
            description = "ROUGE types (default: ${DEFAULT-VALUE}).")
    List<String> types;

    @Option(names = "--no-stemmer", description = "No Porter stemming (rouge-score use_stemmer=False).")
    boolean noStemmer;

    @Option(names = "--json", description = "Print JSON (precision, recall, F per type) instead of a table.")
    boolean json;

    private final List<Integer> jsonlLines = new ArrayList<>(); // the line of each JSONL row

    @Override
    public Integer call() throws IOException {
        List<String> preds = new ArrayList<>();
        List<List<String>> refs = new ArrayList<>();
        boolean jsonl = predictions.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jsonl");
        if (jsonl) {
            readJsonl(preds, refs);
        } else {
            preds.addAll(lines(predictions));
        }
        if (!references.isEmpty()) {
            refs.clear();
            for (int i = 0; i < preds.size(); i++) {
                refs.add(new ArrayList<>());
            }
            for (Path file : references) {
                List<String> rows = lines(file);
                if (rows.size() != preds.size()) {
                    throw new Lora4jException("cli", file + " has " + rows.size() + " lines but " + predictions + " has " + preds.size());
                }
                for (int i = 0; i < rows.size(); i++) {
                    refs.get(i).add(rows.get(i));
                }
            }
        }
        if (refs.size() != preds.size() || preds.isEmpty()) {
            throw new Lora4jException("cli", preds.isEmpty() ? predictions + " holds no predictions"
                    : "no references: pass --references FILE or a JSONL file with \"references\"");
        }
        RougeScorer scorer = RougeScorer.builder().types(types.toArray(String[]::new)).useStemmer(!noStemmer).build();
        CorpusRouge rouge;
        try {
            rouge = scorer.scoreCorpusMulti(refs, preds);
        } catch (Lora4jException e) {
            // "example N" is line N of text files; for JSONL, the line of its N-th row.
            String message = ErrorReport.clean(e.getMessage());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^example (\\d+)").matcher(message);
            if (m.find()) {
                int example = Integer.parseInt(m.group(1));
                int line = jsonl ? jsonlLines.get(example - 1) : example;
                message = "line " + line + message.substring(m.end());
            }
            throw new Lora4jException("cli", predictions + ": " + message, e);
        }
        if (json) {
            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("examples", rouge.size());
            for (RougeType type : scorer.types()) {
                var mean = rouge.mean(type);
                out.putObject(type.toString()).put("precision", mean.meanPrecision()).put("recall", mean.meanRecall())
                        .put("fmeasure", mean.meanFmeasure());
            }
            System.out.println(out.toPrettyString());
        } else {
            System.out.printf("%-10s %9s %9s %9s   (%d examples, %s)%n", "type", "precision", "recall", "F", rouge.size(),
                    noStemmer ? "no stemmer" : "Porter stemmer");
            for (RougeType type : scorer.types()) {
                var mean = rouge.mean(type);
                System.out.printf(Locale.ROOT, "%-10s %9.4f %9.4f %9.4f%n", type, mean.meanPrecision(), mean.meanRecall(), mean.meanFmeasure());
            }
        }
        return 0;
    }

    private void readJsonl(List<String> preds, List<List<String>> refs) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        List<String> rows = lines(predictions);
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).isBlank()) {
                continue; // blank lines are not rows, as in every JSONL reader here
            }
            jsonlLines.add(i + 1);
            JsonNode row;
            try {
                row = mapper.readTree(rows.get(i));
            } catch (IOException e) {
                throw new Lora4jException("cli", predictions + " line " + (i + 1) + ": not JSON: " + ErrorReport.clean(e.getMessage()));
            }
            if (row == null || !row.isObject()) {
                throw new Lora4jException("cli", predictions + " line " + (i + 1) + ": not a JSON object");
            }
            JsonNode p = row.get("prediction");
            if (p == null || !p.isTextual()) {
                throw new Lora4jException("cli", predictions + " line " + (i + 1) + ": no \"prediction\" string");
            }
            preds.add(p.asText());
            JsonNode r = row.get("references");
            if (r != null) {
                if (!r.isArray() || r.isEmpty()) {
                    throw new Lora4jException("cli", predictions + " line " + (i + 1) + ": \"references\" must be a non-empty array");
                }
                List<String> list = new ArrayList<>();
                for (JsonNode n : r) {
                    if (!n.isTextual()) {
                        throw new Lora4jException("cli", predictions + " line " + (i + 1) + ": \"references\" must hold strings, got " + n);
                    }
                    list.add(n.textValue());
                }
                refs.add(list);
            }
        }
    }

    /**
     * The file's lines as Python iterates a text file: a final newline ends the last line and adds none,
     * but empty lines before it are examples (empty summaries), as rouge-score counts them.
     */
    private static List<String> lines(Path file) {
        if (Files.isDirectory(file)) {
            throw new Lora4jException("cli", file + " is a directory: give a file with one summary per line");
        }
        if (!Files.isRegularFile(file)) {
            throw new Lora4jException("cli", file + " does not exist");
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new Lora4jException("cli", file + " is not valid UTF-8 text: save it as UTF-8");
        } catch (IOException e) {
            throw new Lora4jException("cli", "cannot read " + file + ": " + IoMessages.reason(e), e);
        }
    }
}
