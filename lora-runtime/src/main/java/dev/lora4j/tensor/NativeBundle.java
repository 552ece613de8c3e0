package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One native jar's table of contents: the shared libraries it carries, each with its SHA-256 and size.
 *
 * <p>A native jar (lora4j-native or lora4j-libtorch, classifier {@code linux-x86_64}) holds its files
 * under {@code dev/lora4j/natives/<platform>/} beside {@code <bundle>.bundle}, a text file written by
 * scripts/stage-natives.sh when the jar is built:
 *
 * <pre>
 * bundle=lora4j-libtorch
 * version=0.1.0
 * platform=linux-x86_64
 * file=&lt;sha256 hex&gt; &lt;size in bytes&gt; libtorch_cpu.so
 * </pre>
 *
 * <p>The checksums let {@link NativeCache} verify what it unpacks, and the text as a whole names the
 * cache folder, so two different builds never share one.
 */
record NativeBundle(String name, String version, String platform, List<Entry> files, String text, String resourceDir) {

    /** The bundles lora4j looks for, in load order: libtorch's libraries before the shim that needs them. */
    static final List<String> NAMES = List.of("lora4j-libtorch", "lora4j-native");

    /** The shim's bundle: without it there is nothing to load. */
    static final String SHIM = "lora4j-native";

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._+-]+");

    /** A file of the bundle. */
    record Entry(String sha256, long size, String fileName) {}

    /**
     * The platform string of this JVM as the native jars' classifiers spell it ({@code linux-x86_64}), or
     * null where lora4j ships no native jar.
     */
    static String currentPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            return null;
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64", "arm64" -> "linux-aarch64";
            default -> null;
        };
    }

    /** The bundle called {@code name} for {@code platform} on the class path of {@code loader}, or null. */
    static NativeBundle find(ClassLoader loader, String platform, String name) {
        String dir = "dev/lora4j/natives/" + platform + "/";
        String resource = dir + name + ".bundle";
        URL url = loader.getResource(resource);
        if (url == null) {
            return null;
        }
        String text;
        try (InputStream in = url.openStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Lora4jException("load", "cannot read " + url + ": " + e.getMessage(), e);
        }
        return parse(text, dir, url.toString());
    }

    /** Parses a bundle file; {@code origin} names it in error messages. */
    static NativeBundle parse(String text, String resourceDir, String origin) {
        String name = null;
        String version = null;
        String platform = null;
        List<Entry> files = new ArrayList<>();
        int lineNumber = 0;
        for (String raw : text.split("\n")) {
            lineNumber++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw malformed(origin, lineNumber, "expected key=value");
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            switch (key) {
                case "bundle" -> name = value;
                case "version" -> version = value;
                case "platform" -> platform = value;
                case "file" -> files.add(parseEntry(value, origin, lineNumber));
                default -> { } // later keys are ignored by this reader on purpose: newer jars stay readable
            }
        }
        if (name == null || version == null || platform == null || files.isEmpty()) {
            throw malformed(origin, lineNumber, "needs bundle=, version=, platform= and at least one file=");
        }
        return new NativeBundle(name, version, platform, List.copyOf(files), text, resourceDir);
    }

    private static Entry parseEntry(String value, String origin, int lineNumber) {
        String[] parts = value.split(" ");
        if (parts.length != 3 || !SHA256.matcher(parts[0]).matches() || !SAFE_NAME.matcher(parts[2]).matches()) {
            throw malformed(origin, lineNumber, "expected file=<sha256> <size> <file name>");
        }
        try {
            return new Entry(parts[0], Long.parseLong(parts[1]), parts[2]);
        } catch (NumberFormatException e) {
            throw malformed(origin, lineNumber, "size is not a number");
        }
    }

    private static Lora4jException malformed(String origin, int line, String what) {
        return new Lora4jException("load", origin + " line " + line + ": " + what
                + "; the native jar is damaged or from an incompatible lora4j: rebuild or re-download it");
    }

    /** The file of this bundle called {@code fileName}, or null. */
    Entry file(String fileName) {
        for (Entry e : files) {
            if (e.fileName().equals(fileName)) {
                return e;
            }
        }
        return null;
    }
}
