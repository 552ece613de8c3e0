package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 8 of issue 14, messages without a reason: each failure is one line naming what went wrong, with
 * which file or option, in the CLI's own terms; the stack trace only with --debug.
 */
class ErrorMessagesCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    private CliTest.Run summarize(String... extra) throws IOException {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("summarize", "-m", CliFixtures.config().toString(),
                "--random-init", "--max-new-tokens", "2"));
        args.addAll(java.util.List.of(extra));
        return CliTest.run(args.toArray(String[]::new));
    }

    /** The error is one line (after any warnings) and carries no stack trace. */
    private static String errorLine(CliTest.Run r) {
        assertEquals(1, r.code());
        assertFalse(r.err().contains("\tat "), "no stack trace without --debug: " + r.err());
        java.util.List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertFalse(errors.getFirst().matches("error: (cli|data|peft_load|json): .*"), "no internal labels: " + errors.getFirst());
        return errors.getFirst();
    }

    @Test
    void fileProblemsNameTheFileAndTheReason() throws IOException {
        assertTrue(errorLine(summarize(dir.toString())).contains(dir + " is a directory"));
        Path latin1 = dir.resolve("dialogue.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        String utf8 = errorLine(summarize(latin1.toString()));
        assertTrue(utf8.contains(latin1 + " is not valid UTF-8"), utf8);
        assertFalse(utf8.contains("Input length"), utf8);
        Path huge = dir.resolve("huge.txt");
        Files.write(huge, new byte[TextInput.MAX_BYTES + 1]);
        assertTrue(errorLine(summarize(huge.toString())).contains("too much for one dialogue"));
        String trainDir = errorLine(CliTest.run(CliFixtures.finetune(dir.resolve("run"), dir, 2)));
        assertTrue(trainDir.contains(dir + " is a directory, not a data file"), trainDir);
        assertFalse(Files.exists(dir.resolve("run")), "a bad input leaves no run directory");
        String unreadable = errorLine(CliTest.run(CliFixtures.finetune(dir.resolve("run"), dir, 2, "--format", "jsonl")));
        assertTrue(unreadable.contains(dir + " is a directory"), unreadable);
        Path dialogue = Files.writeString(dir.resolve("ok.txt"), "#Person1#: Hi. #Person2#: Hello.");
        String noAdapter = errorLine(summarize("--adapter", dir.toString(), dialogue.toString()));
        assertTrue(noAdapter.contains(dir + " holds no adapter_config.json"), noAdapter);
        Path noWeights = CliFixtures.adapterWithConfig(dir.resolve("no-weights"), c -> {});
        Files.delete(noWeights.resolve("adapter_model.safetensors"));
        String weights = errorLine(summarize("--adapter", noWeights.toString(), dialogue.toString()));
        assertTrue(weights.endsWith(noWeights.resolve("adapter_model.safetensors") + ": cannot read: no such file or directory"), weights);
        String noConfig = errorLine(CliTest.run("summarize", "-m", dir.toString(), dialogue.toString()));
        assertTrue(noConfig.contains("--model " + dir + " holds no config.json"), noConfig);
        String missing = errorLine(CliTest.run("score", "--predictions", dir.resolve("nope.txt").toString(), "--references",
                dir.resolve("nope.txt").toString()));
        assertTrue(missing.contains("nope.txt does not exist"), missing);
    }

    @Test
    void libraryTermsBecomeTheCliFlags() throws IOException {
        Path data = dir.resolve("bad.jsonl");
        Files.writeString(data, "{\"fname\": \"a\", \"dialogue\": \"\", \"summary\": \"s\", \"topic\": \"t\"}\n");
        String invalid = errorLine(summarize("--format", "dialogsum", data.toString()));
        assertTrue(invalid.contains("--on-invalid skip") && !invalid.contains("OnInvalid"), invalid);

        Path adapter = CliFixtures.adapterWithConfig(dir.resolve("adapter"), c -> {});
        Files.writeString(adapter.resolve("adapter_config.json"), "{\"r\": 8,, }");
        String json = errorLine(CliTest.run("info", "--adapter", adapter.toString()));
        assertTrue(json.contains("adapter_config.json") && json.contains("(line 1, column"), json);
        assertFalse(json.contains("[Source"), json);

        // LoraModel's message prints the target-modules record; the CLI shows it as the option is written.
        String targets = errorLine(CliTest.run(CliFixtures.finetune(dir.resolve("run"), "--targets", "regex:nothing_like_this")));
        assertTrue(targets.contains("target modules regex:nothing_like_this matched no linear layer"), targets);
        assertFalse(targets.contains("Regex["), targets);
        assertEquals("target modules q,v matched nothing", ErrorReport.clean("lora: target modules Names[names=[q, v]] matched nothing"));
    }

    @Test
    void runningOutOfHeapIsOneLineOfAdvice() throws Exception {
        // A separate JVM with a small heap: the in-process tests share theirs.
        Path big = dir.resolve("big.txt");
        byte[] line = "word word word word word word word word word word word word word word word\n".getBytes();
        try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(big))) {
            for (int i = 0; i < 600_000; i++) {
                out.write(line);
            }
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Xmx32m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "score", "--predictions", big.toString(), "--references", big.toString(), "--types", "rouge1")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.startsWith("error: out of memory (Java heap)"), output);
        assertFalse(output.contains("\tat "), output);
    }

    @Test
    void debugAddsTheStackTrace() throws IOException {
        CliTest.Run plain = summarize(dir.toString());
        assertFalse(plain.err().contains("\tat "));
        CliTest.Run debug = summarize("--debug", dir.toString());
        assertEquals(1, debug.code());
        assertTrue(debug.err().contains("\tat dev.lora4j."), debug.err());
    }

    @Test
    void rawDependencyTextsAreTranslated() {
        assertEquals("not enough memory: libtorch could not allocate a tensor (DefaultCPUAllocator: can't allocate memory: you tried "
                        + "to allocate 1099511627776 bytes. Error code 12 (Cannot allocate memory)); lower --batch-size, "
                        + "--max-source-length or --max-new-tokens, or use a smaller model",
                ErrorReport.clean("linear: [enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: you tried "
                        + "to allocate 1099511627776 bytes. Error code 12 (Cannot allocate memory)\nException raised from ..."));
        assertTrue(ErrorReport.clean("matmul: CUDA out of memory. Tried to allocate 2.00 GiB").startsWith("not enough GPU memory"));
        assertEquals("x.json: bad (line 3, column 7)",
                ErrorReport.clean("x.json: bad\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 3, column: 7]"));
        assertEquals("out of memory (Java heap)", ErrorReport.describe(new OutOfMemoryError("Java heap space")).substring(0, 25));
        assertEquals("out of memory (Java heap)", ErrorReport.describe(new picocli.CommandLine.ExecutionException(
                Main.commandLine(), "", new OutOfMemoryError("Java heap space"))).substring(0, 25), "as Main's strategy wraps it");
        assertTrue(ErrorReport.describe(new java.nio.file.NoSuchFileException("/x/y")).equals("/x/y: no such file or directory"));
        assertTrue(ErrorReport.describe(new java.nio.file.FileSystemException("/x/y", null, "Is a directory"))
                .equals("/x/y: is a directory"));
    }
}
