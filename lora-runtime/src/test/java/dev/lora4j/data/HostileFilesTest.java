package dev.lora4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small broken and awkward files written by the test: every invalid row fails the default policy with the
 * file name and line, is skipped and reported under SKIP, and damage that leaves no trustworthy row
 * boundary fails whatever the policy.
 */
class HostileFilesTest {
    private static final ReadOptions SKIP = ReadOptions.defaults().withOnInvalid(OnInvalid.SKIP);

    @TempDir
    Path temp;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(temp.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static String row(String id, String dialogue, String summary) {
        return "{\"fname\": \"" + id + "\", \"dialogue\": \"" + dialogue + "\", \"summary\": \"" + summary
                + "\", \"topic\": \"t\"}";
    }

    /** Asserts the default policy fails naming file:line and the reason; returns the message. */
    private static String assertFailsAt(Path file, long line, String reason, Function<ReadOptions, LoadedDataset> read) {
        Lora4jException e = assertThrows(Lora4jException.class, () -> read.apply(ReadOptions.defaults()));
        assertTrue(e.getMessage().contains(file + ":" + line + ":"), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertEquals("data", e.op());
        return e.getMessage();
    }

    // ---- JSONL ----------------------------------------------------------------------------------

    @Test
    void jsonlInvalidRowsFailWithLineOrAreSkippedAndReported() throws IOException {
        String content = String.join("\n",
                row("ok_1", "#Person1#: Hi.", "They greet."),                     // 1
                "{\"fname\": \"broken\", \"dialogue\": ",                         // 2 malformed JSON
                "",                                                                // 3 blank: not a row
                "{\"fname\": \"no_summary\", \"dialogue\": \"x\", \"topic\": \"t\"}", // 4 missing summary
                row("empty_dialogue", "", "s"),                                    // 5 empty dialogue
                row("blank_summary", "d", "  \\n "),                               // 6 whitespace-only summary
                "{\"fname\": \"n\", \"dialogue\": 42, \"summary\": \"s\", \"topic\": \"t\"}", // 7 wrong type
                "{\"fname\": \"n\", \"dialogue\": null, \"summary\": \"s\", \"topic\": \"t\"}", // 8 null
                "[\"not\", \"an\", \"object\"]",                                   // 9
                row("trailing", "d", "s") + " extra",                              // 10 text after the object
                "{\"fname\": \"dup\", \"dialogue\": \"a\", \"dialogue\": \"b\", \"summary\": \"s\", \"topic\": \"t\"}", // 11
                row("ok_2", "caf\\u00e9 \\ud83d\\ude00", "s"),                      // 12
                "");
        Path file = write("hostile.jsonl", content);
        Function<ReadOptions, LoadedDataset> read = options -> JsonlDialogueReader.read(file, FieldMapping.DIALOGSUM, options);

        assertFailsAt(file, 2, "malformed JSON", read);

        LoadedDataset loaded = read.apply(SKIP);
        assertEquals(List.of("ok_1", "ok_2"), loaded.examples().stream().map(DialogueExample::id).toList());
        assertEquals("café 😀", loaded.examples().get(1).dialogue());
        LoadReport report = loaded.report();
        assertEquals(11, report.rowsRead());
        assertEquals(2, report.examplesLoaded());
        assertEquals(List.of(2L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L), report.skippedLines());
        List<String> reasons = report.skipped().stream().map(SkippedRow::reason).toList();
        assertTrue(reasons.get(1).contains("missing field 'summary'"), reasons.get(1));
        assertEquals("empty dialogue", reasons.get(2));
        assertEquals("empty summary", reasons.get(3));
        assertTrue(reasons.get(4).contains("field 'dialogue' must be a string, got number"), reasons.get(4));
        assertTrue(reasons.get(5).contains("field 'dialogue' is null"), reasons.get(5));
        assertTrue(reasons.get(6).contains("expected a JSON object, got array"), reasons.get(6));
        assertTrue(reasons.get(7).startsWith("malformed JSON"), reasons.get(7));
        assertTrue(reasons.get(8).contains("Duplicate field 'dialogue'"), reasons.get(8));
        assertTrue(report.describe().startsWith("hostile.jsonl: 11 rows, 2 loaded, 9 skipped (line 2: malformed JSON"),
                report.describe());
    }

    @Test
    void eachKindOfInvalidJsonlRowFailsTheDefaultPolicyOnItsLine() throws IOException {
        String[][] cases = {
            {row("a", "", "s"), "empty dialogue"},
            {"{\"fname\": \"a\", \"summary\": \"s\", \"topic\": \"t\"}", "missing field 'dialogue'"},
            {"{\"fname\": \"a\", \"dialogue\": \"d\", \"summary\": [\"s\"], \"topic\": \"t\"}", "must be a string, got array"},
            {"{\"fname\": \"\", \"dialogue\": \"d\", \"summary\": \"s\", \"topic\": \"t\"}", "empty fname"},
            {"{\"fname\": 1.5, \"dialogue\": \"d\", \"summary\": \"s\", \"topic\": \"t\"}", "must be a string or an integer"},
            {"{\"fname\": \"a\", \"dialogue\": \"d\", \"summary\": \"s\"}", "missing field 'topic'"},
            {"not json at all", "malformed JSON"},
        };
        for (String[] c : cases) {
            Path file = write("one.jsonl", row("first", "d", "s") + "\n\n" + c[0] + "\n");
            assertFailsAt(file, 3, c[1], options -> JsonlDialogueReader.read(file, FieldMapping.DIALOGSUM, options));
        }
    }

    @Test
    void jsonlAwkwardButValidInput() throws IOException {
        // Byte order mark, CRLF line ends, integer ids, no trailing newline, extra fields, escaped line breaks.
        String content = "\uFEFF{\"n\": 7, \"text\": \"A: hi\\r\\nB: yo\\rA: ok\", \"gold\": \"greeting\", \"extra\": [1]}\r\n"
                + "{\"n\": 8, \"text\": \"x\", \"gold\": \"y\"}";
        Path file = write("awkward.jsonl", content);
        FieldMapping mapping = FieldMapping.of("n", "text", "gold");
        LoadedDataset normalized = JsonlDialogueReader.read(file, mapping);
        assertEquals(List.of("7", "8"), normalized.examples().stream().map(DialogueExample::id).toList());
        assertEquals("A: hi\nB: yo\nA: ok", normalized.examples().getFirst().dialogue());
        assertEquals(null, normalized.examples().getFirst().topic());
        LoadedDataset raw = JsonlDialogueReader.read(file, mapping, ReadOptions.defaults().withNormalizeLineEndings(false));
        assertEquals("A: hi\r\nB: yo\rA: ok", raw.examples().getFirst().dialogue());

        // Without an id field the id is the line number.
        LoadedDataset lineIds = JsonlDialogueReader.read(file, FieldMapping.of(null, "text", "gold"));
        assertEquals(List.of("1", "2"), lineIds.examples().stream().map(DialogueExample::id).toList());

        // Several summary fields become several references, in mapping order.
        Path multi = write("multi.jsonl", "{\"id\": \"m\", \"d\": \"dia\", \"r2\": \"second\", \"r1\": \"first\"}\n");
        LoadedDataset multiRefs = JsonlDialogueReader.read(multi, new FieldMapping("id", "d", List.of("r1", "r2"), null));
        assertEquals(List.of("first", "second"), multiRefs.examples().getFirst().summaries());

        Path empty = write("empty.jsonl", "\n  \n");
        assertEquals(0, JsonlDialogueReader.read(empty, FieldMapping.DIALOGSUM).report().rowsRead());
    }

    @Test
    void invalidUtf8FailsWhateverThePolicy() throws IOException {
        byte[] good = (row("a", "d", "s") + "\n" + row("b", "d", "s") + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bad = "{\"fname\": \"c\", \"dialogue\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 4] = (byte) 0xC3; // a lead byte followed by '"': not UTF-8
        byte[] content = new byte[good.length + bad.length];
        System.arraycopy(good, 0, content, 0, good.length);
        System.arraycopy(bad, 0, content, good.length, bad.length);
        Path file = Files.write(temp.resolve("latin1.jsonl"), content);
        for (ReadOptions options : List.of(ReadOptions.defaults(), SKIP)) {
            Lora4jException e = assertThrows(Lora4jException.class,
                    () -> JsonlDialogueReader.read(file, FieldMapping.DIALOGSUM, options));
            assertTrue(e.getMessage().contains(file + ":3: invalid UTF-8"), e.getMessage());
        }
    }

    @Test
    void dialogSumLayoutIsDetectedFromTheFirstRow() throws IOException {
        Path test = write("test.jsonl", "{\"fname\": \"t\", \"dialogue\": \"d\", \"summary1\": \"a\", \"topic1\": \"x\", "
                + "\"summary2\": \"b\", \"topic2\": \"y\", \"summary3\": \"c\", \"topic3\": \"z\"}\n");
        DialogueExample example = DialogueDatasets.dialogSum(test).examples().getFirst();
        assertEquals(List.of("a", "b", "c"), example.summaries());
        assertEquals("x", example.topic());
        Path train = write("train.jsonl", row("r", "d", "s") + "\n");
        assertEquals(List.of("s"), DialogueDatasets.dialogSum(train).examples().getFirst().summaries());
    }

    // ---- CSV ------------------------------------------------------------------------------------

    @Test
    void csvInvalidRowsFailWithLineOrAreSkippedAndReported() throws IOException {
        String content = "id,dialogue,summary,topic\r\n"                        // 1
                + "a,\"#Person1#: Hi, there.\r\n#Person2#: \"\"Hello\"\"!\",They greet.,greeting\r\n" // 2-3
                + "b,only three,fields\r\n"                                  // 4 too few fields
                + "c,d,s,t,extra\r\n"                                        // 5 too many
                + "d,\"\",s,t\r\n"                                           // 6 empty dialogue
                + "e,dia\"logue,s,t\r\n"                                     // 7 stray quote
                + "f,\"dialogue\" tail,s,t\r\n"                              // 8 text after closing quote
                + "g,\"multi\nline\",\"   \",t\r\n"                          // 9-10 blank summary
                + "\r\n"                                                     // 11 blank line
                + "h,fine,\"sum, with comma\",\r\n";                         // 12 empty topic is allowed
        Path file = write("hostile.csv", content);
        Function<ReadOptions, LoadedDataset> read = options -> DialogueDatasets.huggingFaceCsv(file, options);

        assertFailsAt(file, 4, "expected 4 fields (as in the header), got 3", read);

        LoadedDataset loaded = read.apply(SKIP);
        assertEquals(List.of("a", "h"), loaded.examples().stream().map(DialogueExample::id).toList());
        assertEquals("#Person1#: Hi, there.\n#Person2#: \"Hello\"!", loaded.examples().get(0).dialogue());
        assertEquals("sum, with comma", loaded.examples().get(1).summary());
        assertEquals("", loaded.examples().get(1).topic());
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L), loaded.report().skippedLines());
        List<String> reasons = loaded.report().skipped().stream().map(SkippedRow::reason).toList();
        assertTrue(reasons.get(1).contains("got 5"), reasons.get(1));
        assertEquals("empty dialogue", reasons.get(2));
        assertTrue(reasons.get(3).contains("quote inside the unquoted field 2"), reasons.get(3));
        assertTrue(reasons.get(4).contains("text after the closing quote of field 2"), reasons.get(4));
        assertEquals("empty summary", reasons.get(5));
        assertEquals(8, loaded.report().rowsRead());
    }

    @Test
    void csvDamageThatLeavesNoRowBoundaryFailsWhateverThePolicy() throws IOException {
        String[][] cases = {
            {"id,dialogue,summary,topic\na,\"never closed,s,t\nb,d,s,t\n", ":2: malformed CSV: quoted field opened on line 2"},
            {"id,dialogue,topic\na,d,t\n", ":1: header [id, dialogue, topic] has no column 'summary'"},
            {"id,dialogue,summary,topic,id\na,d,s,t,a\n", ":1: column 'id' appears twice"},
            {"id,dia\"logue,summary,topic\n", ":1: malformed CSV header"},
            {"", "empty CSV file"},
        };
        for (String[] c : cases) {
            Path file = write("broken.csv", c[0]);
            for (ReadOptions options : List.of(ReadOptions.defaults(), SKIP)) {
                Lora4jException e = assertThrows(Lora4jException.class, () -> DialogueDatasets.huggingFaceCsv(file, options));
                assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            }
        }
    }

    @Test
    void csvColumnsAreFoundByNameWhateverTheirOrder() throws IOException {
        Path file = write("reordered.csv", "\uFEFFtopic,extra,summary,dialogue,id\nt,x,s,\"A: 1\nB: 2\",42\n");
        DialogueExample example = DialogueDatasets.huggingFaceCsv(file).examples().getFirst();
        assertEquals(new DialogueExample("42", "A: 1\nB: 2", List.of("s"), "t"), example);
    }

    // ---- JSON array -----------------------------------------------------------------------------

    @Test
    void jsonArrayInvalidElementsFailWithLineOrAreSkippedAndReported() throws IOException {
        String content = "[\n"                                                       // 1
                + "  {\"id\": \"1\", \"summary\": \"s\", \"dialogue\": \"A: hi\\r\\nB: yo\"},\n" // 2
                + "  {\"id\": \"2\", \"summary\": \"s\", \"dialogue\": \"\"},\n"    // 3 empty dialogue
                + "  17,\n"                                                        // 4 not an object
                + "  {\n    \"id\": \"4\",\n    \"dialogue\": \"d\"\n  },\n"        // 5-8 missing summary
                + "  {\"id\": \"5\", \"summary\": \"s\", \"dialogue\": \"d\"}\n"    // 9
                + "]\n";
        Path file = write("hostile.json", content);
        Function<ReadOptions, LoadedDataset> read = options -> DialogueDatasets.samsum(file, options);

        assertFailsAt(file, 3, "empty dialogue", read);

        LoadedDataset loaded = read.apply(SKIP);
        assertEquals(List.of("1", "5"), loaded.examples().stream().map(DialogueExample::id).toList());
        assertEquals("A: hi\nB: yo", loaded.examples().getFirst().dialogue());
        assertEquals(List.of(3L, 4L, 5L), loaded.report().skippedLines());
        assertTrue(loaded.report().skipped().get(1).reason().contains("expected a JSON object, got number"));
        assertTrue(loaded.report().skipped().get(2).reason().contains("missing field 'summary'"));
        assertEquals(5, loaded.report().rowsRead());
    }

    @Test
    void jsonArraySyntaxErrorsFailWhateverThePolicy() throws IOException {
        String[][] cases = {
            {"[\n  {\"id\": \"1\", \"summary\": \"s\", \"dialogue\": \"d\"},\n  {\"id\": \"2\", \"summary\": }\n]", ":3: malformed JSON"},
            {"{\"id\": \"1\"}", ":1: expected a JSON array of rows"},
            {"[\n  {\"id\": \"1\", \"summary\": \"s\", \"dialogue\": \"d\"}\n", "malformed JSON"},
            {"[]\n[]", ":2: unexpected content after the JSON array"},
            {"[{\"id\": \"1\", \"id\": \"2\", \"summary\": \"s\", \"dialogue\": \"d\"}]", "Duplicate field 'id'"},
        };
        for (String[] c : cases) {
            Path file = write("broken.json", c[0]);
            for (ReadOptions options : List.of(ReadOptions.defaults(), SKIP)) {
                Lora4jException e = assertThrows(Lora4jException.class, () -> DialogueDatasets.samsum(file, options));
                assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
                assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            }
        }
    }

    @Test
    void missingFileIsReported() {
        Path missing = temp.resolve("nope.jsonl");
        Lora4jException e = assertThrows(Lora4jException.class, () -> DialogueDatasets.dialogSum(missing));
        assertTrue(e.getMessage().contains("nope.jsonl"), e.getMessage());
    }
}
