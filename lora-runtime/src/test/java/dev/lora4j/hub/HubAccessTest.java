package dev.lora4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens and the hub's access errors: the token goes to the hub and never to the CDN host an LFS file is
 * redirected to; 401, 403 and 404 say what is wrong and what to do, and nothing is written.
 */
class HubAccessTest {
    private static final String TOKEN = "hf_lora4jTestTokenDoNotLeak";
    private static final RetryPolicy FAST_RETRY = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5));

    @TempDir
    Path temp;

    private FakeHub hub;
    private Path dir;

    @BeforeEach
    void startHub() throws IOException {
        hub = TinyRepo.start();
        dir = temp.resolve("model");
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private DownloadReport download(String token, String repo, String revision) throws IOException {
        return download(token, repo, revision, FileSelection.defaults());
    }

    private DownloadReport download(String token, String repo, String revision, FileSelection selection) throws IOException {
        HubSettings settings = new HubSettings(hub.endpoint(), token, token == null ? "none" : "--token", false);
        try (HubClient client = new HubClient(settings, HubClient.Options.defaults().withRetry(FAST_RETRY))) {
            return new HubDownloader(client).download(repo, revision, dir, selection, DownloadListener.NONE);
        }
    }

    @Test
    void theTokenGoesToTheHubButNeverToTheCdnHost() throws IOException {
        hub.requireToken(TOKEN);

        download(TOKEN, TinyRepo.REPO, "main");

        List<FakeHub.Request> hubSide = hub.log().stream().filter(r -> r.server().equals("hub")).toList();
        List<FakeHub.Request> cdnSide = hub.log().stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals(8, hubSide.size(), "listing + 7 files: " + hubSide);
        assertTrue(hubSide.stream().allMatch(r -> ("Bearer " + TOKEN).equals(r.authorization())), hubSide.toString());
        assertEquals(2, cdnSide.size(), "the two LFS files: " + cdnSide);
        assertTrue(cdnSide.stream().allMatch(r -> r.authorization() == null), cdnSide.toString());
        assertTrue(cdnSide.stream().allMatch(r -> r.status() == 200));
    }

    @Test
    void theOriginRuleComparesSchemeHostAndPort() {
        URI hubUri = URI.create("https://huggingface.co");
        assertTrue(HubClient.sameOrigin(URI.create("https://huggingface.co/api/models/x"), hubUri));
        assertTrue(HubClient.sameOrigin(URI.create("https://HuggingFace.co:443/x"), hubUri));
        assertFalse(HubClient.sameOrigin(URI.create("https://cdn-lfs.hf.co/repos/x"), hubUri));
        assertFalse(HubClient.sameOrigin(URI.create("http://huggingface.co/x"), hubUri), "a downgrade to http is another origin");
        assertFalse(HubClient.sameOrigin(URI.create("https://huggingface.co:8443/x"), hubUri));
        assertFalse(HubClient.sameOrigin(URI.create("https://huggingface.co.evil.example/x"), hubUri));
    }

    @Test
    void noTokenForAPrivateRepositorySaysToPassOne() {
        hub.requireToken(TOKEN);

        HubHttpException e = assertThrows(HubHttpException.class, () -> download(null, TinyRepo.REPO, "main"));

        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("--token") && e.getMessage().contains("HF_TOKEN"), e.getMessage());
        assertEquals(1, hub.log().size(), "a 401 is not retried");
        assertFalse(Files.exists(dir));
    }

    @Test
    void aRefusedTokenIsReportedAsSuchWithoutShowingIt() {
        hub.requireToken(TOKEN);

        HubHttpException e = assertThrows(HubHttpException.class, () -> download("hf_wrong", TinyRepo.REPO, "main"));

        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("token (from --token) was refused"), e.getMessage());
        assertTrue(e.getMessage().contains("Invalid credentials"), "the hub's own message is shown: " + e.getMessage());
        assertFalse(e.getMessage().contains("hf_wrong"), "the token itself never appears in messages");
    }

    @Test
    void aGatedRepositorySaysToAcceptItsConditions() {
        hub.gated(true);

        HubHttpException e = assertThrows(HubHttpException.class, () -> download(null, TinyRepo.REPO, "main"));

        assertEquals(403, e.status());
        assertTrue(e.getMessage().contains("gated") && e.getMessage().contains("accept its conditions"), e.getMessage());
    }

    @Test
    void missingRepositoryRevisionAndFileAreNamed() {
        HubHttpException repo = assertThrows(HubHttpException.class, () -> download(TOKEN, "lora4j-test/no-such-model", "main"));
        assertEquals(404, repo.status());
        assertTrue(repo.getMessage().contains("repository not found"), repo.getMessage());
        assertTrue(repo.getMessage().contains("lora4j-test/no-such-model"), repo.getMessage());

        HubHttpException anonymous = assertThrows(HubHttpException.class, () -> download(null, "lora4j-test/no-such-model", "main"));
        assertEquals(401, anonymous.status(), "the hub answers 401 to anonymous requests for missing repositories");
        assertTrue(anonymous.getMessage().contains("does not exist"), anonymous.getMessage());

        HubHttpException revision = assertThrows(HubHttpException.class, () -> download(null, TinyRepo.REPO, "v9.9"));
        assertEquals(404, revision.status());
        assertTrue(revision.getMessage().contains("revision not found") && revision.getMessage().contains("v9.9"), revision.getMessage());

        hub.rawListing(hub.listingJson(true).replace("\"rfilename\":\"config.json\"", "\"rfilename\":\"config.jsn\""));
        HubHttpException file = assertThrows(HubHttpException.class,
                () -> download(null, TinyRepo.REPO, "main", FileSelection.of(List.of("*.jsn"), List.of())));
        assertEquals(404, file.status());
        assertTrue(file.getMessage().contains("file not found") && file.getMessage().contains("config.jsn"), file.getMessage());
        assertFalse(Files.exists(dir.resolve("config.jsn")));
    }

    @Test
    void anInvalidRepositoryIdIsRefusedBeforeAnyRequest() {
        for (String bad : List.of("", "a/b/c", "../x", "name with space", "org--x/y", "x.git", "/abs")) {
            HubException e = assertThrows(HubException.class, () -> download(null, bad, "main"), bad);
            assertTrue(e.getMessage().contains("invalid repository id"), e.getMessage());
        }
        assertTrue(hub.log().isEmpty());
    }
}
