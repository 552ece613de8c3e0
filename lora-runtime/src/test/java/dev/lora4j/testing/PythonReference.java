package dev.lora4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs reference code (torch, transformers, peft, tokenizers, sentencepiece, rouge-score) in the
 * project's pinned Python environment. The interpreter comes from -Dlora4j.python (set by the README
 * test command to the venv's python) or $LORA4J_PYTHON. A failing script fails the test with its
 * stderr: the reference is never silently skipped.
 */
public final class PythonReference {
    private PythonReference() {}

    public static String python() {
        String p = System.getProperty("lora4j.python");
        if (p == null || p.isBlank() || p.equals("python3")) {
            String env = System.getenv("LORA4J_PYTHON");
            if (env != null && !env.isBlank()) {
                p = env;
            }
        }
        return p == null || p.isBlank() ? "python3" : p;
    }

    /**
     * The interpreter of the AdapterHub venv (adapters on transformers 4.57, which cannot share the main
     * venv's transformers 5): -Dlora4j.adapterhub.python (set by the README test command) or
     * $LORA4J_ADAPTERHUB_PYTHON. Missing is an error that says how to make it, never a skip.
     */
    public static String adapterHubPython() {
        String p = System.getProperty("lora4j.adapterhub.python");
        if (p == null || p.isBlank()) {
            p = System.getenv("LORA4J_ADAPTERHUB_PYTHON");
        }
        if (p == null || p.isBlank()) {
            throw new IllegalStateException("the AdapterHub reference needs its venv: run scripts/setup-venv.sh and pass "
                    + "-Dlora4j.adapterhub.python=$(bash -c 'source scripts/lib.sh; adapterhub_venv_dir')/bin/python");
        }
        return p;
    }

    /** Runs a Python file with the AdapterHub venv's interpreter; returns its stdout. */
    public static String runAdapterHubFile(Path script, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(adapterHubPython());
        cmd.add(script.toString());
        cmd.addAll(List.of(args));
        return exec(cmd, null);
    }

    /** Runs a Python file with arguments; returns its stdout. Throws with stderr if it exits non-zero. */
    public static String runFile(Path script, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(python());
        cmd.add(script.toString());
        cmd.addAll(List.of(args));
        return exec(cmd, null);
    }

    /** Runs Python source text (passed on stdin) with arguments available as sys.argv[1:]. */
    public static String runSource(String source, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(python());
        cmd.add("-");
        cmd.addAll(List.of(args));
        return exec(cmd, source);
    }

    private static String exec(List<String> cmd, String stdin) {
        try {
            Path out = Files.createTempFile("lora4j-py-out", ".txt");
            Path err = Files.createTempFile("lora4j-py-err", ".txt");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                pb.environment().put("PYTHONHASHSEED", "0");
                pb.environment().put("TOKENIZERS_PARALLELISM", "false");
                pb.environment().put("HF_HUB_OFFLINE", "1");
                Process proc = pb.start();
                if (stdin != null) {
                    proc.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                proc.getOutputStream().close();
                if (!proc.waitFor(20, TimeUnit.MINUTES)) {
                    proc.destroyForcibly();
                    throw new IllegalStateException("python reference timed out: " + cmd);
                }
                if (proc.exitValue() != 0) {
                    throw new IllegalStateException("python reference failed (exit " + proc.exitValue() + "): "
                            + cmd + "\n" + Files.readString(err));
                }
                return Files.readString(out);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run python reference " + cmd
                    + " (run scripts/setup-venv.sh and pass -Dlora4j.python=<venv>/bin/python)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
