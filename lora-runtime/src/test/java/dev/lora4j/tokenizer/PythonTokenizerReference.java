package dev.lora4j.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.testing.PythonReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs {@code src/test/python/tokenizer/reference.py} once for a corpus and a list of jobs, and
 * hands back each job's output. The corpus and results live under
 * {@code lora-runtime/target/tokenizer-reference/<corpus>/}. Python runs at most once per test run
 * for a given corpus and job list; its outputs are also reused by later runs while the script, the
 * corpus, the job list, the files the jobs read and the interpreter are unchanged (a digest of all
 * of them is kept beside the outputs). {@code -Dlora4j.tokenizer.regenerate=true} forces a rerun.
 */
final class PythonTokenizerReference {
    private PythonTokenizerReference() {}

    private static final Map<String, Path> DONE = new HashMap<>();

    /** A job for reference.py; {@code out} is a file name inside the corpus directory. */
    record Job(String out, Map<String, Object> spec) {
        static Job of(String out, Object... keyValues) {
            Map<String, Object> spec = new LinkedHashMap<>();
            for (int i = 0; i < keyValues.length; i += 2) {
                spec.put((String) keyValues[i], keyValues[i + 1]);
            }
            return new Job(out, spec);
        }
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("lora4j.repo.root", "..")).toAbsolutePath().normalize();
    }

    static Path script() {
        return repoRoot().resolve("lora-runtime/src/test/python/tokenizer/reference.py");
    }

    /** Runs the jobs (or reuses their outputs) and returns the directory holding them. */
    static synchronized Path run(String corpusName, List<?> corpus, List<Job> jobs) {
        try {
            Path dir = repoRoot().resolve("lora-runtime/target/tokenizer-reference").resolve(corpusName);
            Files.createDirectories(dir);
            ObjectMapper json = new ObjectMapper();
            StringBuilder lines = new StringBuilder();
            for (Object item : corpus) {
                lines.append(json.writeValueAsString(item)).append('\n');
            }
            Path corpusFile = dir.resolve("corpus.jsonl");
            byte[] corpusBytes = lines.toString().getBytes(StandardCharsets.UTF_8);
            List<Map<String, Object>> specs = new ArrayList<>();
            for (Job job : jobs) {
                Map<String, Object> spec = new LinkedHashMap<>(job.spec());
                spec.put("out", dir.resolve(job.out()).toString());
                specs.add(spec);
            }
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("corpus", corpusFile.toString());
            request.put("jobs", specs);
            byte[] requestBytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(request);
            String digest = digest(corpusBytes, requestBytes, specs, dir);
            String memoKey = corpusName + "/" + digest;
            if (DONE.containsKey(memoKey)) {
                return dir;
            }
            Path digestFile = dir.resolve("inputs.sha256");
            boolean fresh = !Boolean.getBoolean("lora4j.tokenizer.regenerate")
                    && Files.isRegularFile(digestFile)
                    && Files.readString(digestFile).equals(digest)
                    && jobs.stream().allMatch(j -> Files.isRegularFile(dir.resolve(j.out())));
            if (!fresh) {
                Files.write(corpusFile, corpusBytes);
                Path requestFile = dir.resolve("request.json");
                Files.write(requestFile, requestBytes);
                Files.deleteIfExists(digestFile);
                long start = System.nanoTime();
                String log = PythonReference.runFile(script(), requestFile.toString());
                System.out.printf("[tokenizer-reference] %s: python ran %d job(s) in %.1f s%n%s", corpusName,
                        jobs.size(), (System.nanoTime() - start) / 1e9, log);
                Files.writeString(digestFile, digest);
            }
            DONE.put(memoKey, dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ReferenceResults results(Path dir, String out) {
        return ReferenceResults.read(dir.resolve(out));
    }

    private static String digest(byte[] corpus, byte[] request, List<Map<String, Object>> specs, Path dir)
            throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(script()));
            sha.update(corpus);
            sha.update(request);
            sha.update(PythonReference.python().getBytes(StandardCharsets.UTF_8));
            for (Map<String, Object> spec : specs) {
                for (String key : List.of("file", "dir", "base")) {
                    Object value = spec.get(key);
                    // Files made by earlier jobs of the same request are covered by those jobs' inputs.
                    if (value != null && !Path.of(value.toString()).startsWith(dir)) {
                        fingerprint(sha, Path.of(value.toString()));
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fingerprint(MessageDigest sha, Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.list(path)) {
                for (Path f : files.sorted().toList()) {
                    fingerprint(sha, f);
                }
            }
        } else if (Files.isRegularFile(path)) {
            sha.update((path + ":" + Files.size(path) + ":" + Files.getLastModifiedTime(path).toMillis())
                    .getBytes(StandardCharsets.UTF_8));
        }
    }
}
