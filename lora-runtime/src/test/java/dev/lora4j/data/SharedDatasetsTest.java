package dev.lora4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.Lora4jException;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers on the real shared DialogSum and SAMSum files: row counts, and every parsed string compared
 * with what Python's json (and csv) module yields, through SHA-256 digests over all rows, both with line
 * endings kept and normalized.
 */
class SharedDatasetsTest {
    private static final ReadOptions RAW = ReadOptions.defaults().withNormalizeLineEndings(false);
    private static final ReadOptions SKIP = ReadOptions.defaults().withOnInvalid(OnInvalid.SKIP);

    /** Python's view of a file: row count and the raw and normalized digests. */
    record PythonDigest(int rows, String raw, String normalized) {}

    private static Path script(String name) throws URISyntaxException {
        return Path.of(SharedDatasetsTest.class.getResource("/python/" + name).toURI());
    }

    /** Runs dataset_digest.py on "layout=path" arguments; keyed by path. */
    private static Map<String, PythonDigest> pythonDigests(List<String> layoutEqualsPath) throws URISyntaxException {
        String output = PythonReference.runFile(script("dataset_digest.py"), layoutEqualsPath.toArray(String[]::new));
        Map<String, PythonDigest> digests = new HashMap<>();
        for (String line : output.split("\n")) {
            if (!line.isEmpty()) {
                String[] parts = line.split("\t");
                digests.put(parts[0], new PythonDigest(Integer.parseInt(parts[1]), parts[2], parts[3]));
            }
        }
        return digests;
    }

    private static void assertSameAsPython(PythonDigest python, Path file, Function<ReadOptions, LoadedDataset> reader,
                                           ReadOptions base) {
        LoadedDataset raw = reader.apply(base.withNormalizeLineEndings(false));
        LoadedDataset normalized = reader.apply(base.withNormalizeLineEndings(true));
        assertEquals(python.rows(), raw.size(), file + " rows");
        assertEquals(python.raw(), ExampleDigest.of(raw.examples()), file + " raw strings");
        assertEquals(python.normalized(), ExampleDigest.of(normalized.examples()), file + " normalized strings");
        System.out.println("[data parity] " + file.getFileName() + ": " + raw.size() + " rows identical to Python");
    }

    @Test
    void dialogSumSplitsHaveTheDocumentedSizesAndShapes() {
        LoadedDataset train = DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.train.jsonl"));
        LoadedDataset dev = DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.dev.jsonl"));
        LoadedDataset test = DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.test.jsonl"));
        LoadedDataset hidden = JsonlDialogueReader.read(SharedData.path("dialogsum/dialogsum.hiddentest.dialogue.jsonl"),
                FieldMapping.DIALOGSUM_DIALOGUE_ONLY);
        assertEquals(12_460, train.size());
        assertEquals(500, dev.size());
        assertEquals(500, test.size());
        assertEquals(100, hidden.size());
        assertEquals(0, train.report().skippedCount());
        assertEquals("train_0", train.examples().getFirst().id());
        assertEquals("train_12459", train.examples().getLast().id());
        assertTrue(train.examples().stream().allMatch(e -> e.summaries().size() == 1 && e.hasTopic()));
        assertTrue(test.examples().stream().allMatch(e -> e.summaries().size() == 3 && e.hasTopic()));
        assertTrue(hidden.examples().stream().allMatch(e -> e.summaries().isEmpty() && !e.hasTopic()));
        assertTrue(test.examples().getFirst().dialogue().startsWith("#Person1#: Ms. Dawson, I need you to take a dictation"));
    }

    @Test
    void samsumSplitsHaveTheDocumentedSizesAndTheEmptyTrainDialogueIsReported() {
        assertEquals(818, DialogueDatasets.samsum(SharedData.path("samsum/val.json")).size());
        assertEquals(819, DialogueDatasets.samsum(SharedData.path("samsum/test.json")).size());

        Path trainFile = SharedData.path("samsum/train.json");
        Lora4jException failure = assertThrows(Lora4jException.class, () -> DialogueDatasets.samsum(trainFile));
        assertTrue(failure.getMessage().contains(trainFile + ":"), failure.getMessage());
        assertTrue(failure.getMessage().contains("empty dialogue"), failure.getMessage());

        LoadedDataset train = DialogueDatasets.samsum(trainFile, SKIP);
        assertEquals(14_732, train.report().rowsRead());
        assertEquals(14_731, train.size());
        assertEquals(1, train.report().skippedCount());
        SkippedRow skipped = train.report().skipped().getFirst();
        assertEquals("empty dialogue", skipped.reason());
        assertEquals(30_272, skipped.line(), "the line of the element holding id 13828807");
        assertTrue(failure.getMessage().contains(trainFile + ":" + skipped.line() + ":"), failure.getMessage());
        assertTrue(train.examples().stream().noneMatch(e -> e.id().equals("13828807")));
        assertTrue(train.examples().stream().noneMatch(e -> e.dialogue().contains("\r")), "line endings normalized");
    }

    @Test
    void everyJsonRowMatchesPythonsJsonModule() throws URISyntaxException {
        Map<String, Function<ReadOptions, LoadedDataset>> readers = new java.util.LinkedHashMap<>();
        Map<String, String> layouts = new java.util.LinkedHashMap<>();
        for (String split : List.of("train", "dev", "test")) {
            Path file = SharedData.path("dialogsum/dialogsum." + split + ".jsonl");
            readers.put(file.toString(), options -> DialogueDatasets.dialogSum(file, options));
            layouts.put(file.toString(), split.equals("test") ? "dialogsum_test" : "dialogsum");
        }
        Path hidden = SharedData.path("dialogsum/dialogsum.hiddentest.dialogue.jsonl");
        readers.put(hidden.toString(), options -> JsonlDialogueReader.read(hidden, FieldMapping.DIALOGSUM_DIALOGUE_ONLY, options));
        layouts.put(hidden.toString(), "dialogue_only");
        for (String split : List.of("train", "val", "test")) {
            Path file = SharedData.path("samsum/" + split + ".json");
            readers.put(file.toString(), options -> DialogueDatasets.samsum(file, options));
            layouts.put(file.toString(), "samsum");
        }
        List<String> args = new ArrayList<>();
        layouts.forEach((path, layout) -> args.add(layout + "=" + path));
        Map<String, PythonDigest> python = pythonDigests(args);
        int rows = 0;
        for (Map.Entry<String, Function<ReadOptions, LoadedDataset>> entry : readers.entrySet()) {
            PythonDigest expected = python.get(entry.getKey());
            assertSameAsPython(expected, Path.of(entry.getKey()), entry.getValue(), SKIP);
            rows += expected.rows();
        }
        System.out.println("[data parity] JSON rows compared with Python: " + rows);
    }

    @Test
    void csvWrittenByPythonReadsBackIdentically(@TempDir Path temp) throws URISyntaxException {
        PythonReference.runFile(script("write_csv_variants.py"), temp.toString(), SharedData.root().toString());
        List<String> args = new ArrayList<>();
        Map<String, Function<ReadOptions, LoadedDataset>> readers = new java.util.LinkedHashMap<>();
        for (String name : List.of("dialogsum_dev_crlf.csv", "dialogsum_dev_lf.csv", "dialogsum_dev_quote_all.csv",
                "dialogsum_test_flat.csv")) {
            Path file = temp.resolve(name);
            args.add("csv_hf=" + file);
            readers.put(file.toString(), options -> DialogueDatasets.huggingFaceCsv(file, options));
        }
        Path samsumCsv = temp.resolve("samsum_val.csv");
        args.add("csv_no_topic=" + samsumCsv);
        readers.put(samsumCsv.toString(),
                options -> CsvDialogueReader.read(samsumCsv, FieldMapping.of("id", "dialogue", "summary"), options));
        Map<String, PythonDigest> python = pythonDigests(args);
        for (Map.Entry<String, Function<ReadOptions, LoadedDataset>> entry : readers.entrySet()) {
            assertSameAsPython(python.get(entry.getKey()), Path.of(entry.getKey()), entry.getValue(), ReadOptions.defaults());
        }

        // The CSV copy of dev holds the same examples as the JSONL original.
        assertEquals(DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.dev.jsonl"), RAW).examples(),
                DialogueDatasets.huggingFaceCsv(temp.resolve("dialogsum_dev_crlf.csv"), RAW).examples());

        // The flattened test split regroups into 500 dialogues with their three references in order.
        List<DialogueExample> flat = DialogueDatasets.huggingFaceCsv(temp.resolve("dialogsum_test_flat.csv")).examples();
        assertEquals(1_500, flat.size());
        List<DialogueExample> grouped = ReferenceGrouping.byDialogue(flat);
        List<DialogueExample> original = DialogueDatasets.dialogSum(SharedData.path("dialogsum/dialogsum.test.jsonl")).examples();
        assertEquals(original.size(), grouped.size());
        for (int i = 0; i < original.size(); i++) {
            assertEquals(original.get(i).summaries(), grouped.get(i).summaries(), original.get(i).id());
            assertEquals(original.get(i).dialogue(), grouped.get(i).dialogue());
            assertEquals(original.get(i).topic(), grouped.get(i).topic());
        }
    }
}
