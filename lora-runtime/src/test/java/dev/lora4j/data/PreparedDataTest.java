package dev.lora4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.testing.SharedData;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Merging by dialogue is for evaluation only: training keeps every (dialogue, summary) pair. */
class PreparedDataTest {
    private static final ReadOptions SKIP = ReadOptions.defaults().withOnInvalid(OnInvalid.SKIP);

    @Test
    void samsumTrainKeepsEveryTargetForTrainingAndMergesRepeatsForEvaluation() {
        LoadedDataset loaded = DialogueDatasets.samsum(SharedData.path("samsum/train.json"), SKIP);
        PreparedData train = PreparedData.of(loaded, DataUse.TRAIN, null);
        PreparedData eval = PreparedData.of(loaded, DataUse.EVALUATE, null);
        assertEquals(14731, train.examples().size(), "one training pair per valid row");
        assertEquals(14731, train.rowsUsed());
        assertEquals(0, train.merged());
        // The 476 rows that repeat an earlier dialogue: lost targets before issue 14, references now.
        assertEquals(476, eval.merged());
        assertEquals(14731 - 476, eval.examples().size());
        Set<String> targets = new HashSet<>();
        train.examples().forEach(e -> targets.add(e.dialogue() + "\u0000" + e.summary()));
        Set<String> rows = new HashSet<>();
        loaded.examples().forEach(e -> rows.add(e.dialogue() + "\u0000" + e.summary()));
        assertEquals(rows, targets, "every (dialogue, summary) row is a training target");
        assertTrue(train.describe().startsWith("train.json: 14732 rows read, 14731 used (0 merged), 1 skipped (line 30272"),
                train.describe());
    }

    @Test
    void multiReferenceRowsTrainOnEachSummaryAndLimitsCountRows() {
        DialogueExample three = new DialogueExample("a", "d1", List.of("s1", "s2", "s3"), null);
        DialogueExample other = new DialogueExample("b", "d2", List.of("t"), null);
        DialogueExample repeat = new DialogueExample("c", "d1", List.of("s4"), null);
        LoadedDataset loaded = new LoadedDataset(List.of(three, other, repeat), new LoadReport(Path.of("x.jsonl"), 3, 3, List.of()));
        assertEquals(5, PreparedData.of(loaded, DataUse.TRAIN, null).examples().size());
        PreparedData eval = PreparedData.of(loaded, DataUse.EVALUATE, 1);
        assertEquals(List.of("s1", "s2", "s3", "s4"), eval.examples().getFirst().summaries());
        assertEquals(2, eval.rowsUsed(), "the limit keeps the first dialogue, which two rows make");
        assertEquals(1, eval.merged());
        assertEquals(1, eval.beyondLimit());
        PreparedData generate = PreparedData.of(loaded, DataUse.GENERATE, null);
        assertEquals(3, generate.examples().size(), "one output per row");
        assertEquals(0, PreparedData.of(loaded, DataUse.TRAIN, 0).examples().size());
        var e = assertThrows(IllegalArgumentException.class, () -> PreparedData.of(loaded, DataUse.TRAIN, -1));
        assertEquals("example limit must be 0 or more, got -1", e.getMessage());
    }
}
