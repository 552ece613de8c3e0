package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.hub.FakeHub;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI end to end on a tiny byte-level T5 (random weights from a config) and DialogSum rows: the run
 * directory, kill + resume, the comparison report, ROUGE against rouge-score, merge, tokenize, errors.
 * Every test checks that no native tensor outlives it.
 */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TRAIN = sharedData("dialogsum/dialogsum.train.jsonl");
    private static final Path TEST = sharedData("dialogsum/dialogsum.test.jsonl");

    @TempDir
    static Path shared;
    static Path config;
    static Path tunedRun;

    @TempDir
    Path dir;
    private long liveBefore;

    record Run(int code, String out, String err) {}

    static Path sharedData(String relative) {
        String root = System.getProperty("lora4j.shared.data", System.getenv("LORA4J_SHARED_DATA"));
        Path base = root != null ? Path.of(root)
                : Path.of(System.getProperty("lora4j.repo.root", ".")).toAbsolutePath().resolve("../shared/data").normalize();
        return base.resolve(relative);
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            var cli = Main.commandLine();
            cli.setOut(new PrintWriter(o, true));
            cli.setErr(new PrintWriter(e, true));
            int code = cli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static String[] finetuneArgs(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("finetune", "-m", config.toString(), "--random-init", "--train", TRAIN.toString(),
                "--validation", TEST.toString(), "--limit", "24", "--steps", "4", "--batch-size", "4", "--lr", "5e-3",
                "--checkpoint-every", "2", "--lora-dropout", "0.1", "--targets", "q,v,wo", "--eval-every", "2",
                "--rouge-every", "2", "--rouge-samples", "2", "--eval-samples", "3", "--max-source-length", "96",
                "--max-target-length", "24", "--max-new-tokens", "8", "--threads", "2", "-o", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @BeforeAll
    static void tinyByteLevelModel() throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(sharedData("flan-t5-small/config.json").toFile());
        c.put("vocab_size", 384).put("d_model", 32).put("d_kv", 8).put("d_ff", 64).put("num_layers", 2)
                .put("num_decoder_layers", 2).put("num_heads", 4);
        config = shared.resolve("tiny-byte-config.json");
        Files.writeString(config, c.toPrettyString());
        tunedRun = shared.resolve("tuned");
        Run r = run(finetuneArgs(tunedRun));
        assertEquals(0, r.code(), r.err());
    }

    @BeforeEach
    void countLiveTensors() {
        liveBefore = NativeLibrary.liveTensors();
    }

    @AfterEach
    void noTensorOutlivesTheCommand() {
        assertEquals(liveBefore, NativeLibrary.liveTensors(), "live native tensors after the command");
    }

    @Test
    void finetuneWritesTheWholeRunDirectory() throws IOException {
        for (String file : List.of("run-config.json", "metrics.jsonl", "rouge.jsonl", "final/adapter_model.safetensors",
                "final/adapter_config.json", "plots/loss.png", "plots/lr.png", "plots/rouge.png", "report.html", "report.json",
                "scores.json", "predictions/lora.jsonl", "predictions/original.jsonl")) {
            assertTrue(Files.isRegularFile(tunedRun.resolve(file)), file);
        }
        long trainRows = Files.readAllLines(tunedRun.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"loss\"")).count();
        assertEquals(4, trainRows);
        assertEquals(2, Files.readAllLines(tunedRun.resolve("rouge.jsonl")).size());
        JsonNode scores = JSON.readTree(tunedRun.resolve("scores.json").toFile());
        assertEquals(3, scores.get("lora").get("examples").asInt());
        String html = Files.readString(tunedRun.resolve("report.html"));
        assertTrue(html.contains("original"), "report names the methods");
        assertEquals(List.of("plots/loss.png", "plots/lr.png", "plots/rouge.png"), linkedImages(tunedRun));
    }

    /** The images report.html links, each checked to be a file relative to the report (as a browser resolves it). */
    static List<String> linkedImages(Path reportDir) throws IOException {
        String html = Files.readString(reportDir.resolve("report.html"));
        List<String> images = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        while (m.find()) {
            String src = m.group(1);
            assertTrue(Files.isRegularFile(reportDir.resolve(src)), "report.html links " + src + ", which is not a file beside it");
            images.add(src);
        }
        JsonNode plots = JSON.readTree(reportDir.resolve("report.json").toFile()).get("plots");
        List<String> jsonPlots = new ArrayList<>();
        plots.forEach(p -> jsonPlots.add(p.asText()));
        assertEquals(images, jsonPlots, "report.json names the plots the page shows");
        return images;
    }

    @Test
    void aKilledRunResumesToTheSameAdapter() throws IOException {
        Path run = dir.resolve("killed");
        assertEquals(0, run(finetuneArgs(run)).code());
        // As if killed after the step-2 checkpoint: the later checkpoint and the final adapter never happened.
        Path checkpoints = run.resolve("checkpoints");
        deleteTree(checkpoints.resolve("step-00000004"));
        deleteTree(run.resolve("final"));
        Files.writeString(checkpoints.resolve("latest"), "step-00000002");
        Run resumed = run(finetuneArgs(run));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming from"), resumed.out());
        assertArrayEquals(Files.readAllBytes(tunedRun.resolve("final/adapter_model.safetensors")),
                Files.readAllBytes(run.resolve("final/adapter_model.safetensors")));
        assertEquals(4, Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"loss\"")).count(),
                "each step logged once after the resume");
    }

    @Test
    void aRunDirectoryIsNotResumedWithOtherSettings() {
        Run r = run(finetuneArgs(tunedRun, "--r", "4"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("other settings"), r.err());
    }

    @Test
    void evalComparesOriginalInContextAndAdapterAndScoreAgreesWithRougeScore() throws Exception {
        Path out = dir.resolve("eval");
        Run r = run("eval", "-m", config.toString(), "--random-init", "--test", TEST.toString(), "--limit", "4", "--adapter",
                "tuned=" + tunedRun.resolve("final"), "--shots", "0,1", "--shots-from", TRAIN.toString(), "--max-source-length", "256",
                "--max-new-tokens", "8", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode scores = JSON.readTree(out.resolve("scores.json").toFile());
        assertEquals(List.of("original", "1-shot", "tuned"), fieldNames(scores));
        Path predictions = out.resolve("predictions/tuned.jsonl");
        assertEquals(4, Files.readAllLines(predictions).size());
        // The adapter is the final/ of a finetune run: that run's loss curves come into the report.
        assertEquals(List.of("plots/loss-comparison.png", "plots/eval-loss-comparison.png"), linkedImages(out));

        Run score = run("score", "--predictions", predictions.toString(), "--json");
        assertEquals(0, score.code(), score.err());
        JsonNode ours = JSON.readTree(score.out());
        JsonNode reference = JSON.readTree(python("""
                import json, sys
                from rouge_score import rouge_scorer
                s = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
                rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
                out = {}
                for t in ["rouge1", "rouge2", "rougeL", "rougeLsum"]:
                    out[t] = sum(s.score_multi(r["references"], r["prediction"])[t].fmeasure for r in rows) / len(rows)
                print(json.dumps(out))
                """, predictions.toString()));
        for (String type : List.of("rouge1", "rouge2", "rougeL", "rougeLsum")) {
            assertEquals(reference.get(type).asDouble(), ours.get(type).get("fmeasure").asDouble(), 1e-12, type);
            assertEquals(100 * reference.get(type).asDouble(), scores.get("tuned").get(type).asDouble(), 1e-9, type);
        }
    }

    @Test
    void mergedCheckpointSummarizesAsTheAdapterDoes() throws IOException {
        Path merged = dir.resolve("merged");
        Run m = run("merge", "-m", config.toString(), "--random-init", "--adapter", tunedRun.resolve("final").toString(), "-o", merged.toString());
        assertEquals(0, m.code(), m.err());
        Run again = run("merge", "-m", config.toString(), "--random-init", "--adapter", tunedRun.resolve("final").toString(), "-o", merged.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("not empty"), again.err());

        String[] common = {"--limit", "3", "--max-new-tokens", "8", "--max-source-length", "96", TEST.toString()};
        Run withAdapter = run(concat(new String[] {"summarize", "-m", config.toString(), "--random-init", "--adapter", tunedRun.resolve("final").toString()}, common));
        Run withMerged = run(concat(new String[] {"summarize", "-m", merged.toString(), "--tokenizer", "byt5"}, common));
        assertEquals(0, withAdapter.code(), withAdapter.err());
        assertEquals(3, withAdapter.out().lines().count());
        assertEquals(withAdapter.out(), withMerged.out());
    }

    @Test
    void downloadFetchesAModelDirectoryThatThenSummarizes() throws IOException {
        // A real model directory (a merged checkpoint of the tuned run), served by a local fake of the
        // Hugging Face hub: weights through LFS on a separate "CDN" host, as huggingface.co serves them.
        Path merged = dir.resolve("merged");
        assertEquals(0, run("merge", "-m", config.toString(), "--random-init", "--adapter", tunedRun.resolve("final").toString(), "-o",
                merged.toString()).code());
        List<Path> served;
        try (Stream<Path> files = Files.list(merged)) {
            served = files.filter(Files::isRegularFile).sorted().toList();
        }
        assertTrue(served.stream().anyMatch(f -> f.getFileName().toString().equals("model.safetensors")), served.toString());
        try (FakeHub hub = new FakeHub("lora4j-test/tiny-dialogue-t5", "0123456789abcdef0123456789abcdef01234567")) {
            for (Path file : served) {
                String name = file.getFileName().toString();
                hub.put(name, Files.readAllBytes(file), name.endsWith(".safetensors"));
            }
            Path target = dir.resolve("downloaded");
            String[] download = {"download", "lora4j-test/tiny-dialogue-t5", "--endpoint", hub.endpoint().toString(), "--dir",
                    target.toString()};
            Run first = run(download);
            assertEquals(0, first.code(), first.err());
            assertTrue(first.out().contains("model type: t5"), first.out());
            for (Path file : served) {
                if (file.getFileName().toString().endsWith(".json") || file.getFileName().toString().endsWith(".safetensors")) {
                    assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(target.resolve(file.getFileName())),
                            file.getFileName() + " arrives byte for byte");
                }
            }

            String[] common = {"--limit", "2", "--max-new-tokens", "8", "--max-source-length", "96", "--tokenizer", "byt5",
                    TEST.toString()};
            Run fromMerged = run(concat(new String[] {"summarize", "-m", merged.toString()}, common));
            Run fromDownload = run(concat(new String[] {"summarize", "-m", target.toString()}, common));
            assertEquals(0, fromDownload.code(), fromDownload.err());
            assertEquals(2, fromDownload.out().lines().count());
            assertEquals(fromMerged.out(), fromDownload.out(), "the downloaded model summarizes as the original does");

            hub.clearLog();
            Run again = run(download);
            assertEquals(0, again.code(), again.err());
            assertTrue(again.out().contains("up to date"), again.out());
            assertTrue(hub.log().stream().noneMatch(r -> r.path().contains("/resolve/") || r.server().equals("cdn")),
                    "a complete directory transfers no file: " + hub.log());
        }
    }

    @Test
    void tokenizeMatchesTheLibraryAndDecodesBack() {
        Path tokenizer = sharedData("flan-t5-small");
        String text = "#Person1#: Hello, how are you doing today?";
        Run ids = run("tokenize", "--tokenizer", tokenizer.toString(), text);
        assertEquals(0, ids.code(), ids.err());
        int[] expected = T5Tokenizer.load(tokenizer).encode(text);
        assertArrayEquals(expected, Arrays.stream(ids.out().strip().split(" ")).mapToInt(Integer::parseInt).toArray());
        Run decoded = run("tokenize", "--tokenizer", tokenizer.toString(), "--decode", ids.out().strip());
        assertEquals(text, decoded.out().strip());
        Run bad = run("tokenize", "--tokenizer", tokenizer.toString(), "--decode", "5 99999999");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("outside the vocabulary"), bad.err());
    }

    @Test
    void demoSmokeRunsEveryStageAndWritesTheReport() throws IOException {
        Path out = dir.resolve("demo");
        Run r = run("demo", "--smoke", "--threads", "2", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String stage : List.of("pretrain", "eval_before", "finetune", "eval_after")) {
            assertTrue(r.out().contains(stage), "stage " + stage + " reported:\n" + r.out());
        }
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_model.safetensors")));
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        assertEquals(2, report.get("methods").size());
        assertFalse(linkedImages(out).isEmpty(), "the demo report shows its training curves");
    }

    @Test
    void badInputNamesTheProblem() {
        Run missing = run("finetune", "-m", config.toString(), "--random-init", "--train", dir.resolve("nope.jsonl").toString(), "-o", dir.resolve("r").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("nope.jsonl"), missing.err());
        Run method = run("finetune", "-m", config.toString(), "--random-init", "--train", TRAIN.toString(), "--method", "qlora", "-o", dir.resolve("r2").toString());
        assertEquals(1, method.code());
        assertTrue(method.err().contains("--method must be one of full, ") && method.err().contains("lora")
                && method.err().contains("\"qlora\""), method.err());
        Run noModel = run("summarize", "-m", dir.resolve("missing-model").toString(), TEST.toString());
        assertEquals(1, noModel.code());
        assertTrue(noModel.err().contains("missing-model"), noModel.err());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String python(String source, String... args) throws Exception {
        String python = System.getProperty("lora4j.python", "python3");
        List<String> cmd = new ArrayList<>(List.of(python, "-c", source));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "python failed: " + err);
        return out;
    }
}
