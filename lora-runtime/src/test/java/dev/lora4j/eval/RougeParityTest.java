package dev.lora4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.ReadOptions;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every ROUGE score against Google's rouge-score 0.1.2 run in the pinned venv: DialogSum references
 * against each other, against perturbed predictions and against whole dialogues; SAMSum validation; and
 * hand-written hard cases paired all-with-all. Each pair is scored with and without stemming, for rouge1,
 * rouge2, rouge3, rougeL and rougeLsum (precision, recall and F1 each), and the per-group corpus means too.
 *
 * <p>Tolerance: 0. Both sides compute the same integer counts and then the same IEEE-754 double
 * operations in the same order (count / count, then 2*p*r/(p+r)), so the results must be bit-identical,
 * which is stricter than the 1e-9 agreement required of the implementation.
 */
class RougeParityTest {
    private static final double TOLERANCE = 0.0;
    private static final List<String> TYPE_NAMES = List.of("rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, RougeScorer> SCORERS = Map.of(
            "plain", RougeScorer.builder().types("rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum").build(),
            "stem", RougeScorer.builder().types("rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum").useStemmer(true).build());

    /** One scored pair: a group for the corpus means, one or more references, and a prediction. */
    record ParityCase(String group, List<String> references, String prediction) {}

    private static List<ParityCase> cases;
    private static List<JsonNode> reference;
    private static JsonNode referenceMeans;

    @BeforeAll
    static void scoreWithRougeScore(@TempDir Path temp) throws IOException, URISyntaxException {
        cases = buildCases();
        Path input = temp.resolve("cases.jsonl");
        StringBuilder lines = new StringBuilder();
        for (ParityCase c : cases) {
            ObjectNode node = JSON.createObjectNode();
            node.put("group", c.group());
            node.putPOJO("refs", c.references());
            node.put("pred", c.prediction());
            lines.append(JSON.writeValueAsString(node)).append('\n');
        }
        Files.writeString(input, lines, StandardCharsets.UTF_8);
        Path script = Path.of(RougeParityTest.class.getResource("/python/rouge_reference.py").toURI());
        String output = PythonReference.runFile(script, input.toString());
        reference = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (!line.isEmpty()) {
                reference.add(JSON.readTree(line));
            }
        }
        referenceMeans = reference.removeLast().get("means");
    }

    private static List<ParityCase> buildCases() {
        List<ParityCase> all = new ArrayList<>();
        PredictionPerturber perturber = new PredictionPerturber(20240611L);

        // DialogSum test: three references per dialogue, scored pairwise, multi-reference, and against the dialogue.
        for (DialogueExample example : DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.test.jsonl")).examples()) {
            List<String> refs = example.summaries();
            for (int i = 0; i < refs.size(); i++) {
                for (int j = 0; j < refs.size(); j++) {
                    if (i != j) {
                        all.add(new ParityCase("dialogsum-test-pairwise", List.of(refs.get(i)), refs.get(j)));
                    }
                }
            }
            all.add(new ParityCase("dialogsum-test-multi-other", List.of(refs.get(1), refs.get(2)), refs.get(0)));
            all.add(new ParityCase("dialogsum-test-multi-perturbed", refs, perturber.perturb(refs.get(0))));
            all.add(new ParityCase("dialogsum-test-vs-dialogue", List.of(refs.get(0)), example.dialogue()));
        }
        // DialogSum dev: one reference, perturbed predictions, and the sentence-per-line form for Lsum.
        for (DialogueExample example : DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.dev.jsonl")).examples()) {
            String summary = example.summary();
            all.add(new ParityCase("dialogsum-dev-perturbed", List.of(summary), perturber.perturb(summary)));
            all.add(new ParityCase("dialogsum-dev-lines", List.of(PredictionPerturber.sentencePerLine(summary)),
                    PredictionPerturber.sentencePerLine(perturber.perturb(summary))));
        }
        // DialogSum train: every tenth row.
        List<DialogueExample> train = DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.train.jsonl")).examples();
        for (int i = 0; i < train.size(); i += 10) {
            all.add(new ParityCase("dialogsum-train-perturbed", List.of(train.get(i).summary()),
                    perturber.perturb(train.get(i).summary())));
        }
        // SAMSum validation, with the raw "\r\n" line breaks kept in the dialogues.
        List<DialogueExample> samsum = DialogueDatasets.samsum(SharedData.path("samsum/val.json"),
                ReadOptions.defaults().withNormalizeLineEndings(false)).examples();
        for (int i = 0; i < samsum.size(); i++) {
            String summary = samsum.get(i).summary();
            all.add(new ParityCase("samsum-val-perturbed", List.of(summary), perturber.perturb(summary)));
            all.add(new ParityCase("samsum-val-vs-dialogue", List.of(summary), samsum.get(i).dialogue()));
            String neighbour = samsum.get((i + 1) % samsum.size()).summary();
            all.add(new ParityCase("samsum-val-vs-neighbour", List.of(PredictionPerturber.sentencePerLine(summary)),
                    PredictionPerturber.sentencePerLine(neighbour)));
        }
        // Hard cases, every string against every other (and itself), plus multi-reference triples.
        List<String> hard = HardRougeCases.STRINGS;
        for (String ref : hard) {
            for (String pred : hard) {
                all.add(new ParityCase("hard-pairs", List.of(ref), pred));
            }
        }
        for (int i = 0; i + 2 < hard.size(); i++) {
            all.add(new ParityCase("hard-multi", hard.subList(i, i + 3), hard.get((i * 7 + 3) % hard.size())));
        }
        return all;
    }

    @Test
    void everyScoreIsBitIdenticalToRougeScore() {
        assertEquals(cases.size(), reference.size(), "rouge-score answered a different number of cases");
        int pairsScored = 0;
        int valuesCompared = 0;
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            ParityCase c = cases.get(i);
            for (Map.Entry<String, RougeScorer> setting : SCORERS.entrySet()) {
                RougeScores actual = c.references().size() == 1
                        ? setting.getValue().score(c.references().getFirst(), c.prediction())
                        : setting.getValue().scoreMulti(c.references(), c.prediction());
                JsonNode expected = reference.get(i).get(setting.getKey());
                pairsScored++;
                for (String typeName : TYPE_NAMES) {
                    Score score = actual.get(RougeType.parse(typeName));
                    double[] values = {score.precision(), score.recall(), score.fmeasure()};
                    for (int k = 0; k < 3; k++) {
                        double want = expected.get(typeName).get(k).doubleValue();
                        valuesCompared++;
                        if (!(Math.abs(values[k] - want) <= TOLERANCE)) {
                            mismatches.add("case " + i + " (" + c.group() + ", " + setting.getKey() + ") " + typeName
                                    + "[" + k + "]: rouge-score " + want + ", lora4j " + values[k]);
                        }
                    }
                }
            }
        }
        System.out.println("[rouge parity] cases: " + cases.size() + ", pairs scored (x plain/stem): " + pairsScored
                + ", values compared: " + valuesCompared + ", mismatches: " + mismatches.size());
        assertTrue(cases.size() > 10_000, "too few parity cases: " + cases.size());
        assertEquals(List.of(), mismatches.subList(0, Math.min(20, mismatches.size())),
                mismatches.size() + " mismatches");
    }

    @Test
    void corpusMeansAreBitIdenticalToSummingInPython() {
        Map<String, List<ParityCase>> byGroup = new LinkedHashMap<>();
        for (ParityCase c : cases) {
            byGroup.computeIfAbsent(c.group(), g -> new ArrayList<>()).add(c);
        }
        int compared = 0;
        for (Map.Entry<String, List<ParityCase>> group : byGroup.entrySet()) {
            List<List<String>> references = group.getValue().stream().map(ParityCase::references).toList();
            List<String> predictions = group.getValue().stream().map(ParityCase::prediction).toList();
            for (Map.Entry<String, RougeScorer> setting : SCORERS.entrySet()) {
                CorpusRouge corpus = setting.getValue().scoreCorpusMulti(references, predictions);
                JsonNode expected = referenceMeans.get(group.getKey()).get(setting.getKey());
                for (Iterator<String> names = TYPE_NAMES.iterator(); names.hasNext(); ) {
                    String typeName = names.next();
                    AggregateScore mean = corpus.mean(RougeType.parse(typeName));
                    String where = group.getKey() + " " + setting.getKey() + " " + typeName;
                    assertEquals(expected.get(typeName).get(0).doubleValue(), mean.meanPrecision(), TOLERANCE, where);
                    assertEquals(expected.get(typeName).get(1).doubleValue(), mean.meanRecall(), TOLERANCE, where);
                    assertEquals(expected.get(typeName).get(2).doubleValue(), mean.meanFmeasure(), TOLERANCE, where);
                    compared += 3;
                }
            }
        }
        System.out.println("[rouge parity] corpus groups: " + byGroup.size() + ", mean values compared: " + compared);
    }
}
