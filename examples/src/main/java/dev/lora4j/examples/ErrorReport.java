package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLI's one translation layer from exceptions to the line a user reads: what went wrong, with which
 * file or option, and what to do. Library messages speak of Java names and carry raw texts of
 * their dependencies; this turns them into the CLI's terms, so no command prints Jackson's
 * "[Source: REDACTED ...]", a record's toString, libtorch's allocator text or a Java enum name.
 */
final class ErrorReport {
    /** Java names that library messages use, and the CLI flags that mean the same. */
    private static final Map<String, String> FLAGS = Map.of(
            "OnInvalid.SKIP", "--on-invalid skip",
            "OnInvalid.FAIL", "--on-invalid fail");

    // Jackson appends its location as " at [Source: ...; line: L, column: C]".
    private static final Pattern JACKSON_LOCATION =
            Pattern.compile("\\s*at \\[Source: .*?; line: (\\d+), column: (\\d+)\\]", Pattern.DOTALL);
    private static final Pattern JACKSON_SOURCE = Pattern.compile("\\s*at \\[Source: [^\\]]*\\]", Pattern.DOTALL);
    // LoraConfig.TargetModules records as printed by their toString.
    private static final Pattern NAMES_RECORD = Pattern.compile("Names\\[names=\\[([^\\]]*)\\]\\]");
    private static final Pattern REGEX_RECORD = Pattern.compile("Regex\\[pattern=([^\\]]*)\\]");

    // Lora4jException prefixes its message with an internal operation label ("cli: ", "peft_load: ");
    // wrapped messages repeat them mid-line. They mean nothing to a user of the command line.
    private static final Pattern OP_LABELS = Pattern.compile("(^|: )(?:cli|data|peft_load|peft_save|json|non-finite|lock|output|report|"
            + "checkpoint|t5 config|safetensors|rouge|summarize|io|lora|lora_config|schedule|trainer|evaluate|tokenizer): ");

    private ErrorReport() {}

    /** The one-line message for e (never a stack trace: that is --debug's). */
    static String describe(Throwable e) {
        Throwable t = e;
        if (t instanceof picocli.CommandLine.ExecutionException x && x.getCause() != null) {
            t = x.getCause(); // an Error the execution strategy wrapped (see Main)
        }
        if (t instanceof UncheckedIOException u && u.getCause() != null) {
            t = u.getCause();
        }
        String message = switch (t) {
            case OutOfMemoryError oom -> "out of memory (Java heap): the input is too large for the "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB heap; use a smaller input or --limit, "
                    + "or raise the heap with JAVA_TOOL_OPTIONS=-Xmx8g";
            case StackOverflowError so -> "the input nests too deeply to process (stack overflow): check the file";
            case IOException io -> IoMessages.describe(io);
            case Lora4jException l -> withIoReason(l.getMessage(), l);
            default -> null;
        };
        if (message == null) {
            return "internal error: " + t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "")
                    + " (a bug in lora4j: rerun with --debug for the stack trace and report it)";
        }
        return clean(message);
    }

    /**
     * Library messages end with a wrapped I/O exception's message, which for Java's file-system
     * exceptions is only the path ("x.safetensors: cannot read: x.safetensors"): that tail becomes the
     * reason (and the path, when the message does not name it already).
     */
    private static String withIoReason(String message, Throwable e) {
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof IOException io && io.getMessage() != null && message.endsWith(io.getMessage())) {
                String head = message.substring(0, message.length() - io.getMessage().length());
                String file = io instanceof java.nio.file.FileSystemException fs ? fs.getFile() : null;
                return head + (file != null && head.contains(file) ? IoMessages.reason(io) : IoMessages.describe(io));
            }
        }
        return message;
    }

    static String clean(String message) {
        String m = message;
        String previous;
        do {
            previous = m;
            m = OP_LABELS.matcher(m).replaceAll("$1");
        } while (!m.equals(previous));
        Matcher location = JACKSON_LOCATION.matcher(m);
        m = location.replaceAll(r -> " (line " + r.group(1) + ", column " + r.group(2) + ")");
        m = JACKSON_SOURCE.matcher(m).replaceAll("");
        for (Map.Entry<String, String> flag : FLAGS.entrySet()) {
            m = m.replace(flag.getKey(), flag.getValue());
        }
        m = NAMES_RECORD.matcher(m).replaceAll(r -> Matcher.quoteReplacement(r.group(1).replace(", ", ",")));
        m = REGEX_RECORD.matcher(m).replaceAll(r -> Matcher.quoteReplacement("regex:" + r.group(1)));
        m = m.replace("AllLinear[]", "all-linear");
        m = libtorch(m);
        // Multi-line texts (a C++ backtrace, a JSON excerpt) become their first line.
        int newline = m.indexOf('\n');
        return newline < 0 ? m : m.substring(0, newline).strip();
    }

    /** libtorch's allocator and CUDA texts, as advice. */
    private static String libtorch(String m) {
        for (String marker : List.of("DefaultCPUAllocator: can't allocate memory", "DefaultCPUAllocator: not enough memory")) {
            if (m.contains(marker)) {
                return "not enough memory: libtorch could not allocate a tensor (" + firstLine(m.substring(m.indexOf(marker))) + "); "
                        + "lower --batch-size, --max-source-length or --max-new-tokens, or use a smaller model";
            }
        }
        if (m.contains("CUDA out of memory") || m.contains("CUDA error: out of memory")) {
            return "not enough GPU memory: lower --batch-size, --max-source-length or --max-new-tokens, use --dtype bfloat16, "
                    + "or a smaller model";
        }
        if (m.contains("CUDA driver") || m.contains("no CUDA GPUs are available") || m.contains("CUDA error")) {
            return "CUDA failed: " + firstLine(m.substring(m.indexOf("CUDA"))) + "; check that a GPU and its driver are present, "
                    + "or run with --device cpu";
        }
        return m;
    }

    private static String firstLine(String s) {
        int newline = s.indexOf('\n');
        return (newline < 0 ? s : s.substring(0, newline)).strip();
    }
}
