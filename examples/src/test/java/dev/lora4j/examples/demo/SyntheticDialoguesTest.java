package dev.lora4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.LoadedDataset;
import dev.lora4j.Lora4jException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic dialogues: seeded, well-formed, split without leaks, readable as DialogSum JSONL. */
class SyntheticDialoguesTest {
    private static final Pattern TURN = Pattern.compile("#Person([12])#: \\S.*");
    private static final Pattern PERSON = Pattern.compile("#Person[12]#");

    @Test
    void theSameSeedGivesTheSameDataAndAnotherSeedOtherData() {
        DemoData a = DemoData.generate(3, 200, 20, 30);
        DemoData b = DemoData.generate(3, 200, 20, 30);
        DemoData c = DemoData.generate(4, 200, 20, 30);
        assertEquals(a, b);
        assertNotEquals(a.train(), c.train());
    }

    @Test
    void examplesLookLikeDialogSum() {
        DemoData data = DemoData.generate(5, 600, 30, 60);
        Set<String> topics = new HashSet<>();
        for (List<DialogueExample> split : List.of(data.train(), data.validation(), data.test())) {
            for (DialogueExample e : split) {
                int bytes = e.dialogue().getBytes(StandardCharsets.UTF_8).length;
                assertTrue(bytes >= 100 && bytes <= SyntheticDialogues.MAX_DIALOGUE_BYTES, e.id() + ": " + bytes + " bytes");
                String[] lines = e.dialogue().split("\n");
                assertTrue(lines.length >= 4, e.id());
                String previous = null;
                for (int i = 0; i < lines.length; i++) {
                    Matcher m = TURN.matcher(lines[i]);
                    assertTrue(m.matches(), e.id() + " line " + i + ": " + lines[i]);
                    assertNotEquals(previous, m.group(1), e.id() + ": speakers alternate");
                    previous = m.group(1);
                }
                assertTrue(lines[0].startsWith("#Person1#: "), "#Person1# speaks first");
                assertEquals(1, e.summaries().size());
                String summary = e.summary();
                assertTrue(summary.endsWith("."), summary);
                assertTrue(PERSON.matcher(summary).find(), "the summary names a speaker: " + summary);
                assertTrue(e.hasTopic());
                topics.add(e.topic());
            }
        }
        assertEquals(ScenarioFamily.values().length, topics.size(), "every family occurs");
    }

    @Test
    void summariesStateFactsThatAreInTheDialogue() {
        // Every capitalised word or number of a summary (a name, day, city...) appears in its dialogue.
        Pattern fact = Pattern.compile("\\b([A-Z][a-z]+|\\d+)\\b");
        for (DialogueExample e : DemoData.generate(6, 300, 0, 30).train()) {
            Matcher m = fact.matcher(e.summary().replaceAll("#Person[12]#", ""));
            while (m.find()) {
                String word = m.group(1);
                if (!word.equals("Dr")) {
                    assertTrue(e.dialogue().contains(word), e.id() + ": \"" + word + "\" of \"" + e.summary()
                            + "\" is not in the dialogue:\n" + e.dialogue());
                }
            }
        }
    }

    @Test
    void bothSpeakersCanBeTheOneTheSummaryIsAbout() {
        Map<String, Long> subjects = DemoData.generate(8, 600, 0, 1).train().stream()
                .collect(Collectors.groupingBy(e -> e.summary().substring(0, "#PersonN#".length()), Collectors.counting()));
        assertTrue(subjects.getOrDefault("#Person1#", 0L) > 50, subjects.toString());
        assertTrue(subjects.getOrDefault("#Person2#", 0L) > 50, subjects.toString());
    }

    @Test
    void heldOutSplitsShareNoDialogueAndNoFactCombinationWithTraining() {
        DemoData data = DemoData.generate(9, 1500, 60, 120);
        Set<String> trainDialogues = data.train().stream().map(DialogueExample::dialogue).collect(Collectors.toSet());
        Set<String> trainSummaries = data.train().stream().map(DialogueExample::summary).collect(Collectors.toSet());
        for (DialogueExample e : concat(data.validation(), data.test())) {
            assertFalse(trainDialogues.contains(e.dialogue()), e.id());
            assertFalse(trainSummaries.contains(e.summary()), e.id() + " has a training summary: " + e.summary());
        }
        Set<String> testDialogues = data.test().stream().map(DialogueExample::dialogue).collect(Collectors.toSet());
        assertTrue(data.validation().stream().noneMatch(e -> testDialogues.contains(e.dialogue())));

        // The split is decided by a family's first two facts; check it on freshly drawn scenarios.
        SyntheticDialogues generator = new SyntheticDialogues(9);
        java.util.Random r = new java.util.Random(1);
        int heldOut = 0;
        for (int i = 0; i < 3000; i++) {
            ScenarioFamily f = ScenarioFamily.values()[i % ScenarioFamily.values().length];
            heldOut += generator.isHeldOut(f.name(), f.draw(r).combination()) ? 1 : 0;
        }
        assertTrue(heldOut > 300 && heldOut < 1000, "about a fifth of the combinations are held out: " + heldOut);
        Function<DialogueExample, String> idPrefix = e -> e.id().substring(0, e.id().indexOf('_'));
        assertEquals(Set.of("train"), data.train().stream().map(idPrefix).collect(Collectors.toSet()));
        assertEquals(Set.of("test"), data.test().stream().map(idPrefix).collect(Collectors.toSet()));
    }

    @Test
    void jsonlRoundTripsThroughTheDialogSumReader(@TempDir Path dir) throws Exception {
        DemoData data = DemoData.generate(10, 40, 5, 7);
        data.writeJsonl(dir);
        LoadedDataset test = DialogueDatasets.dialogSum(dir.resolve("test.jsonl"));
        assertEquals(data.test(), test.examples());
        assertEquals(data.train(), DialogueDatasets.dialogSum(dir.resolve("train.jsonl")).examples());
    }

    @Test
    void badCountsAreRejected() {
        assertThrows(Lora4jException.class, () -> DemoData.generate(1, 0, 1, 1));
        assertThrows(Lora4jException.class, () -> DemoData.generate(1, 1, -1, 1));
    }

    private static List<DialogueExample> concat(List<DialogueExample> a, List<DialogueExample> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
