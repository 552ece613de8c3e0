package dev.lora4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listing from a hostile or broken server: names that would escape the target directory, wrong types,
 * absurd sizes, malformed JSON. Every one fails the whole download before any file request is made and before
 * anything is written.
 */
class HostileListingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA1 = "0123456789abcdef0123456789abcdef01234567";
    private static final String SHA256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path temp;

    private FakeHub hub;
    private Path dir;

    @BeforeEach
    void startHub() throws IOException {
        hub = TinyRepo.start();
        dir = temp.resolve("target-dir");
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    /** Serves {@code json}, downloads everything it lists, and returns the failure, proving nothing happened. */
    private HubException refuse(String json, FileSelection selection, long maxFileBytes) {
        hub.rawListing(json);
        hub.clearLog();
        HubClient.Options options = HubClient.Options.defaults()
                .withRetry(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1)))
                .withMaxFileBytes(maxFileBytes);
        HubException e;
        try (HubClient client = new HubClient(HubSettings.anonymous(hub.endpoint()), options)) {
            e = assertThrows(HubException.class,
                    () -> new HubDownloader(client).download(TinyRepo.REPO, "main", dir, selection, DownloadListener.NONE));
        }
        assertEquals(1, hub.log().size(), "only the listing was requested: " + hub.log());
        assertFalse(Files.exists(dir), "nothing was created");
        assertFalse(Files.exists(temp.resolve("evil.txt")));
        assertEquals("hub", e.op());
        return e;
    }

    private HubException refuse(String json) {
        return refuse(json, FileSelection.of(List.of("*"), List.of()), 50_000_000_000L);
    }

    /** The real listing with one sibling added (or changed by {@code edit}). */
    private String listingWith(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(hub.listingJson(true));
        ObjectNode extra = root.withArray("siblings").addObject();
        extra.put("rfilename", "extra.bin");
        extra.put("size", 10);
        extra.put("blobId", SHA1);
        edit.accept(extra);
        return root.toString();
    }

    private static void assertMentions(HubException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void namesThatCouldEscapeTheDirectoryAreRefused() throws IOException {
        record Case(String name, String reason) {}
        List<Case> cases = List.of(
                new Case("../evil.txt", "'..' path segment"),
                new Case("sub/../../evil.txt", "'..' path segment"),
                new Case("..", "'..' path segment"),
                new Case("./config.json", "'.' path segment"),
                new Case("/etc/passwd", "absolute path"),
                new Case("//server/share/x", "absolute path"),
                new Case("C:/Windows/evil.dll", "drive-letter path"),
                new Case("..\\evil.txt", "backslash"),
                new Case("sub\\evil.txt", "backslash"),
                new Case("model\u0000.safetensors", "NUL character"),
                new Case("\u001b[2Jterminal.txt", "control character"),
                new Case("a//b", "empty path segment"),
                new Case("dir/", "empty path segment"),
                new Case("", "empty name"),
                new Case(".lora4j-download/x.incomplete", "reserved for partial downloads"),
                new Case("x".repeat(300), "longer than 255 bytes"));
        for (Case c : cases) {
            HubException e = refuse(listingWith(s -> s.put("rfilename", c.name())));
            assertMentions(e, "refusing unsafe file name", c.reason());
            assertFalse(e.getMessage().contains("\u001b"), "control characters are escaped in messages");
        }
        // JSON can carry a lone surrogate only as an escape, which a serializer would not write
        String loneSurrogate = listingWith(s -> s.put("rfilename", "LONE")).replace("\"LONE\"", "\"bad\\ud800surrogate\"");
        assertMentions(refuse(loneSurrogate), "refusing unsafe file name", "unpaired UTF-16 surrogate");
    }

    @Test
    void wrongTypesAndImpossibleValuesAreRefused() throws IOException {
        assertMentions(refuse(listingWith(s -> s.put("rfilename", 42))), "'rfilename' must be a string, got number");
        assertMentions(refuse(listingWith(s -> s.remove("size"))), "no 'size'", "?blobs=true");
        assertMentions(refuse(listingWith(s -> s.put("size", "10"))), "'size' must be an integer, got string");
        assertMentions(refuse(listingWith(s -> s.put("size", 10.5))), "'size' must be an integer, got number 10.5");
        assertMentions(refuse(listingWith(s -> s.put("size", 1e3))), "'size' must be an integer");
        assertMentions(refuse(listingWith(s -> s.put("size", new java.math.BigInteger("99999999999999999999")))), "'size' must be an integer");
        assertMentions(refuse(listingWith(s -> s.put("size", -1))), "negative 'size' -1");
        assertMentions(refuse(listingWith(s -> s.putNull("size"))), "'size' must be an integer, got null");
        assertMentions(refuse(listingWith(s -> s.put("blobId", "abc"))), "'blobId' is not a 40-digit");
        assertMentions(refuse(listingWith(s -> s.put("blobId", SHA1.toUpperCase()))), "'blobId' is not a 40-digit lower-case");
        assertMentions(refuse(listingWith(s -> s.put("lfs", "yes"))), "'lfs' must be an object, got string");
        assertMentions(refuse(listingWith(s -> s.putObject("lfs").put("size", 10))), "'sha256' must be a string");
        assertMentions(refuse(listingWith(s -> s.putObject("lfs").put("sha256", SHA256.substring(1)).put("size", 10))),
                "'lfs.sha256' is not a 64-digit");
        assertMentions(refuse(listingWith(s -> s.putObject("lfs").put("sha256", SHA256).put("size", 11))),
                "'size' 10 and 'lfs.size' 11 disagree");
        assertMentions(refuse(listingWith(s -> s.put("rfilename", "config.json"))), "duplicate file name 'config.json'");
        assertMentions(refuse(listingWith(s -> s.put("rfilename", "config.json/inner.txt"))),
                "'config.json' is listed both as a file and as the directory of 'config.json/inner.txt'");
    }

    @Test
    void sizesAboveTheSanityLimitAreRefused() throws IOException {
        String json = listingWith(s -> s.put("size", 5_000_000_000_000L));
        assertMentions(refuse(json, FileSelection.of(List.of("*"), List.of()), 50_000_000_000L),
                "extra.bin", "5000000000000 bytes is above the sanity limit of 50000000000");
        // the limit is an option: a small one refuses this repository's own weights
        assertMentions(refuse(hub.listingJson(true), FileSelection.defaults(), 100_000), TinyRepo.WEIGHTS, "above the sanity limit of 100000");
    }

    @Test
    void malformedListingsAreRefused() throws IOException {
        String good = hub.listingJson(true);
        assertMentions(refuse(good.substring(0, good.length() / 2)), "malformed JSON");
        assertMentions(refuse(good + " {}"), "malformed JSON");
        assertMentions(refuse("[]"), "expected a JSON object, got array");
        assertMentions(refuse(""), "expected a JSON object");
        assertMentions(refuse("{\"sha\": \"" + TinyRepo.COMMIT + "\", \"sha\": \"" + TinyRepo.COMMIT + "\", \"siblings\": []}"),
                "malformed JSON", "Duplicate field 'sha'");
        assertMentions(refuse("{\"siblings\": []}"), "'sha' must be a string, got nothing (missing)");
        assertMentions(refuse("{\"sha\": \"main\", \"siblings\": []}"), "'sha' is not a 40-digit");
        assertMentions(refuse("{\"sha\": \"" + TinyRepo.COMMIT + "\", \"siblings\": {}}"), "'siblings' must be an array, got object");
        assertMentions(refuse("{\"sha\": \"" + TinyRepo.COMMIT + "\", \"siblings\": [\"config.json\"]}"),
                "siblings[0]: expected an object, got string");
        assertMentions(refuse("{\"sha\": \"" + TinyRepo.COMMIT + "\", \"siblings\": []}"), "no file of", "matches");
    }

    @Test
    void theResolvedPathIsCheckedAgainAsASecondLine() {
        Path base = temp.resolve("base");
        assertEquals(base.toAbsolutePath().normalize().resolve("a/b.txt"), RepoPaths.resolveInside(base, "a/b.txt"));
        assertThrows(HubException.class, () -> RepoPaths.resolveInside(base, "../x"));
        assertThrows(HubException.class, () -> RepoPaths.resolveInside(base, "a/../.."));
        assertThrows(HubException.class, () -> RepoPaths.resolveInside(base, "/etc/passwd"));
    }
}
