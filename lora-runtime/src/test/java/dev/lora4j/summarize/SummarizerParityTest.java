package dev.lora4j.summarize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.ReferenceGrouping;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.eval.RougeScorer;
import dev.lora4j.eval.RougeType;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batched summarization and its ROUGE against what a transformers user gets: the same random FLAN-shaped
 * model (built and saved by transformers), the real FLAN-T5 tokenizer, DialogSum test dialogues with their
 * three references. transformers batches in file order; the Summarizer batches longest-first and puts the
 * results back, so equal strings also prove the reordering. ROUGE is rouge-score's score_multi, exactly.
 */
class SummarizerParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXAMPLES = 12;

    @ParameterizedTest(name = "beams={0}")
    @ValueSource(ints = {1, 3})
    void summariesAndRougeMatchTransformers(int beams, @TempDir Path dir) throws Exception {
        Path tokenizerDir = SharedData.path("flan-t5-small");
        List<DialogueExample> examples = ReferenceGrouping.byDialogue(
                DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.test.jsonl")).examples()).subList(0, EXAMPLES);
        assertTrue(examples.stream().allMatch(e -> e.summaries().size() == 3), "DialogSum test rows carry 3 references");
        int maxSource = 96;
        int maxNew = 12;
        int batch = 5; // not a divisor of 12: the last batch is short

        ArrayNode rows = JSON.createArrayNode();
        for (DialogueExample e : examples) {
            ObjectNode row = rows.addObject();
            row.put("dialogue", e.dialogue());
            e.summaries().forEach(row.putArray("summaries")::add);
        }
        Files.writeString(dir.resolve("examples.json"), JSON.writeValueAsString(rows));
        ObjectNode settings = JSON.createObjectNode()
                .put("template", SummarizationPrompt.DEFAULT_TEMPLATE)
                .put("max_source_length", maxSource)
                .put("max_new_tokens", maxNew)
                .put("batch_size", batch)
                .put("num_beams", beams);
        Files.writeString(dir.resolve("settings.json"), JSON.writeValueAsString(settings));
        Path script = Path.of(System.getProperty("lora4j.repo.root", "."), "lora-runtime/src/test/python/summarizer_reference.py");
        PythonReference.runFile(script, dir.toString(), tokenizerDir.toString());
        JsonNode reference = JSON.readTree(dir.resolve("reference.json").toFile());

        T5Tokenizer tokenizer = T5Tokenizer.load(tokenizerDir, T5Tokenizer.Compatibility.TRANSFORMERS_5);
        GenerationConfig generation = beams == 1 ? GenerationConfig.greedy(maxNew) : GenerationConfig.beams(beams, maxNew);
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.load(dir.resolve("model"), Device.CPU, DType.FLOAT32)) {
            Summarizer summarizer = new Summarizer(model, tokenizer, SummarizationPrompt.DEFAULT, maxSource, generation, batch);
            List<Integer> progress = new ArrayList<>();
            SummaryEvaluation evaluation = SummaryEvaluation.run("random", summarizer, examples,
                    RougeScorer.builder().types("rouge1", "rouge2", "rougeL", "rougeLsum").useStemmer(true).build(),
                    progress::add);

            List<String> expected = new ArrayList<>();
            reference.get("predictions").forEach(p -> expected.add(p.asText()));
            assertEquals(expected, evaluation.predictions());
            assertTrue(new HashSet<>(expected).size() > 1, "the reference summaries differ between dialogues");
            assertEquals(List.of(5, 5, 2), progress);
            for (RougeType type : List.of(RougeType.ROUGE_1, RougeType.ROUGE_2, RougeType.ROUGE_L, RougeType.ROUGE_LSUM)) {
                double want = reference.get("rouge").get(type.toString()).asDouble();
                assertEquals(want, evaluation.rouge().mean(type).meanFmeasure(), 0.0, type.toString());
            }
        }
    }
}
