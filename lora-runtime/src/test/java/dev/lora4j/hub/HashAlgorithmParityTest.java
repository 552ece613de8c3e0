package dev.lora4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.testing.PythonReference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hashes that verify downloads, against the real things: git's own blob id ({@code git hash-object}),
 * huggingface_hub's {@code git_hash} and {@code sha256} helpers, and Python's hashlib.
 */
class HashAlgorithmParityTest {
    @TempDir
    Path temp;

    private List<Path> sampleFiles() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        byte[] binary = new byte[300 * 1024 + 13];
        random.nextBytes(binary);
        List<Path> files = new ArrayList<>();
        files.add(Files.write(temp.resolve("empty"), new byte[0]));
        files.add(Files.writeString(temp.resolve("config.json"), "{\"model_type\": \"t5\"}\n"));
        files.add(Files.write(temp.resolve("crlf.txt"), "line one\r\nline two\r\n".getBytes(StandardCharsets.UTF_8)));
        files.add(Files.writeString(temp.resolve("unicode.txt"), "café ☕ 😀\n"));
        files.add(Files.write(temp.resolve("weights.bin"), binary));
        files.add(Files.write(temp.resolve("nul-bytes"), new byte[] {0, 0, 'b', 'l', 'o', 'b', 0}));
        return files;
    }

    private static String git(Path file) throws IOException, InterruptedException {
        // --no-filters: hash the bytes as they are, without CRLF conversion (the hub stores them unchanged)
        Process process = new ProcessBuilder("git", "hash-object", "--no-filters", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), out);
        return out;
    }

    @Test
    void gitBlobSha1AgreesWithGitHashObject() throws Exception {
        for (Path file : sampleFiles()) {
            assertEquals(git(file), HashAlgorithm.GIT_BLOB_SHA1.hashFile(file), file.getFileName().toString());
            assertEquals(git(file), HashAlgorithm.GIT_BLOB_SHA1.hash(Files.readAllBytes(file)));
        }
    }

    @Test
    void bothHashesAgreeWithHuggingFaceHubAndHashlib() throws Exception {
        List<Path> files = sampleFiles();
        String script = """
                import hashlib, sys
                from huggingface_hub.utils.sha import git_hash, sha_fileobj
                for path in sys.argv[1:]:
                    data = open(path, "rb").read()
                    manual = hashlib.sha1(b"blob %d\\0" % len(data) + data).hexdigest()
                    assert manual == git_hash(data), path
                    with open(path, "rb") as f:
                        hub_sha256 = sha_fileobj(f).hex()
                    assert hub_sha256 == hashlib.sha256(data).hexdigest(), path
                    print(git_hash(data), hub_sha256)
                """;
        String[] args = files.stream().map(Path::toString).toArray(String[]::new);
        List<String> lines = PythonReference.runSource(script, args).lines().toList();
        assertEquals(files.size(), lines.size());
        for (int i = 0; i < files.size(); i++) {
            String[] hashes = lines.get(i).split(" ");
            assertEquals(hashes[0], HashAlgorithm.GIT_BLOB_SHA1.hashFile(files.get(i)), files.get(i).toString());
            assertEquals(hashes[1], HashAlgorithm.SHA256.hashFile(files.get(i)), files.get(i).toString());
        }
    }

    @Test
    void wellFormedDigestsAreLowerCaseHexOfTheRightLength() {
        assertTrue(HashAlgorithm.GIT_BLOB_SHA1.isWellFormed("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"));
        assertFalse(HashAlgorithm.GIT_BLOB_SHA1.isWellFormed("E69DE29BB2D1D6434B8B29AE775AD8C2E48C5391"));
        assertFalse(HashAlgorithm.GIT_BLOB_SHA1.isWellFormed("e69de29bb2d1d6434b8b29ae775ad8c2e48c539"));
        assertFalse(HashAlgorithm.SHA256.isWellFormed("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"));
        assertFalse(HashAlgorithm.SHA256.isWellFormed(null));
    }
}
