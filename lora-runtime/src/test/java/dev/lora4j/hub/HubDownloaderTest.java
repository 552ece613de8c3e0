package dev.lora4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole downloads against the in-process fake hub: content equality, the no-op second run, resuming after a
 * dropped or stalled connection (within a run and in the next run), servers that ignore or refuse ranges,
 * hash mismatches, retries, and what the server log proves about requests.
 */
class HubDownloaderTest {
    private static final RetryPolicy FAST_RETRY = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5));

    @TempDir
    Path temp;

    private FakeHub hub;
    private Path dir;

    @BeforeEach
    void startHub() throws IOException {
        hub = TinyRepo.start();
        dir = temp.resolve("models").resolve("tiny");
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private HubClient client(RetryPolicy retry) {
        return new HubClient(HubSettings.anonymous(hub.endpoint()), HubClient.Options.defaults().withRetry(retry));
    }

    private DownloadReport download(RetryPolicy retry, DownloadListener listener) throws IOException {
        try (HubClient client = client(retry)) {
            return new HubDownloader(client).download(TinyRepo.REPO, "main", dir, FileSelection.defaults(), listener);
        }
    }

    private DownloadReport download() throws IOException {
        return download(FAST_RETRY, DownloadListener.NONE);
    }

    private void assertAllFilesMatch(List<String> paths) throws IOException {
        for (String path : paths) {
            assertArrayEquals(hub.file(path).content(), Files.readAllBytes(dir.resolve(path)), path);
        }
    }

    private Path partial(String path) {
        return dir.resolve(RepoPaths.STAGING_DIR).resolve(path + ".incomplete");
    }

    private FileResult result(DownloadReport report, String path) {
        return report.files().stream().filter(f -> f.file().path().equals(path)).findFirst().orElseThrow();
    }

    private long size(String path) {
        return hub.file(path).content().length;
    }

    @Test
    void downloadsTheDefaultSelectionVerbatimAndASecondRunIsANoOp() throws IOException {
        RecordingListener listener = new RecordingListener();
        DownloadReport first = download(FAST_RETRY, listener);

        assertEquals(TinyRepo.DEFAULT_SELECTION, first.files().stream().map(f -> f.file().path()).toList());
        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        try (Stream<Path> all = Files.walk(dir)) {
            assertEquals(TinyRepo.DEFAULT_SELECTION.stream().sorted().toList(),
                    all.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList(),
                    "exactly the selected files, and no staging leftovers");
        }
        assertFalse(Files.exists(dir.resolve(RepoPaths.STAGING_DIR)));
        assertEquals(TinyRepo.COMMIT, first.commit());
        assertEquals(7, first.fetched());
        assertEquals(0, first.skipped());
        assertEquals(first.totalBytes(), first.bytesTransferred());
        assertTrue(first.files().stream().allMatch(f -> f.outcome() == FileResult.Outcome.DOWNLOADED));
        assertEquals(TinyRepo.DEFAULT_SELECTION.size(), listener.done.size());
        for (String path : TinyRepo.DEFAULT_SELECTION) {
            assertEquals(size(path), listener.lastProgress.getOrDefault(path, 0L), "progress reached the end of " + path);
        }

        // Every file came from the pinned commit; LFS files through a redirect to the CDN, git files from the hub.
        List<FakeHub.Request> resolves = hub.log().stream().filter(r -> r.path().contains("/resolve/")).toList();
        assertEquals(TinyRepo.DEFAULT_SELECTION.size(), resolves.size());
        assertTrue(resolves.stream().allMatch(r -> r.path().contains("/resolve/" + TinyRepo.COMMIT + "/")), resolves.toString());
        assertEquals(302, hub.requestsFor("hub", "/" + TinyRepo.WEIGHTS).getFirst().status());
        assertEquals(200, hub.requestsFor("cdn", hub.file(TinyRepo.WEIGHTS).sha256()).getFirst().status());
        assertEquals(size(TinyRepo.WEIGHTS), hub.requestsFor("cdn", hub.file(TinyRepo.WEIGHTS).sha256()).getFirst().bodyBytes());
        assertEquals(200, hub.requestsFor("hub", "/config.json").getFirst().status());

        hub.clearLog();
        RecordingListener second = new RecordingListener();
        DownloadReport again = download(FAST_RETRY, second);
        assertTrue(again.upToDate());
        assertEquals(7, again.skipped());
        assertEquals(0, again.fetched());
        assertEquals(0, again.bytesTransferred());
        assertEquals(1, hub.log().size(), "only the listing is asked for: " + hub.log());
        assertTrue(hub.log().getFirst().path().startsWith("/api/models/" + TinyRepo.REPO + "/revision/main"));
        assertTrue(second.events.stream().noneMatch(e -> e.startsWith("started")), second.events.toString());
        assertFalse(Files.exists(dir.resolve(RepoPaths.STAGING_DIR)));
    }

    @Test
    void aLocallyDamagedFileIsFetchedAgainAndTheOthersAreKept() throws IOException {
        download();
        byte[] config = Files.readAllBytes(dir.resolve("config.json"));
        config[10] ^= 1; // same size, different content
        Files.write(dir.resolve("config.json"), config);
        hub.clearLog();

        DownloadReport report = download();
        assertEquals(1, report.fetched());
        assertEquals(6, report.skipped());
        assertEquals(FileResult.Outcome.DOWNLOADED, result(report, "config.json").outcome());
        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        assertEquals(1, hub.log().stream().filter(r -> r.path().contains("/resolve/")).count());
    }

    @Test
    void aConnectionCutHalfwayIsResumedInTheSameRunWithARangeRequest() throws IOException {
        long half = size(TinyRepo.WEIGHTS) / 2;
        hub.cutOnce(TinyRepo.WEIGHTS, half, partial(TinyRepo.WEIGHTS));
        RecordingListener listener = new RecordingListener();

        DownloadReport report = download(FAST_RETRY, listener);

        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        FileResult weights = result(report, TinyRepo.WEIGHTS);
        assertEquals(FileResult.Outcome.RESUMED, weights.outcome());
        assertEquals(half, weights.resumedFrom());
        assertEquals(size(TinyRepo.WEIGHTS), weights.bytesTransferred(), "half before the cut, the other half after");
        List<FakeHub.Request> cdn = hub.requestsFor("cdn", hub.file(TinyRepo.WEIGHTS).sha256());
        assertEquals(2, cdn.size(), cdn.toString());
        assertNull(cdn.get(0).range());
        assertEquals(half, cdn.get(0).bodyBytes());
        assertEquals("bytes=" + half + "-", cdn.get(1).range());
        assertEquals(206, cdn.get(1).status());
        assertEquals(size(TinyRepo.WEIGHTS) - half, cdn.get(1).bodyBytes(), "only the remainder was sent");
        assertEquals(1, listener.retries.size(), listener.retries.toString());
        assertTrue(listener.retries.getFirst().contains("connection lost after " + half), listener.retries.getFirst());
    }

    @Test
    void aConnectionCutHalfwayIsResumedByTheNextRun() throws IOException {
        long half = size(TinyRepo.WEIGHTS) / 2;
        hub.cutOnce(TinyRepo.WEIGHTS, half, partial(TinyRepo.WEIGHTS));

        HubException failure = assertThrows(HubException.class, () -> download(RetryPolicy.none(), DownloadListener.NONE));
        assertTrue(failure.getMessage().contains("run the download again to resume"), failure.getMessage());
        assertTrue(failure.getMessage().contains(TinyRepo.WEIGHTS), failure.getMessage());
        byte[] kept = Files.readAllBytes(partial(TinyRepo.WEIGHTS));
        assertArrayEquals(Arrays.copyOf(hub.file(TinyRepo.WEIGHTS).content(), (int) half), kept, "the partial file holds the prefix");
        assertFalse(Files.exists(dir.resolve(TinyRepo.WEIGHTS)));
        assertAllFilesMatch(List.of("config.json", "generation_config.json")); // completed before the failure: kept
        hub.clearLog();

        RecordingListener listener = new RecordingListener();
        DownloadReport report = download(FAST_RETRY, listener);

        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        assertEquals(half, listener.startedAt.get(TinyRepo.WEIGHTS));
        FileResult weights = result(report, TinyRepo.WEIGHTS);
        assertEquals(FileResult.Outcome.RESUMED, weights.outcome());
        assertEquals(size(TinyRepo.WEIGHTS) - half, weights.bytesTransferred());
        assertEquals(2, report.skipped(), "the two files finished by the failed run");
        List<FakeHub.Request> cdn = hub.requestsFor("cdn", hub.file(TinyRepo.WEIGHTS).sha256());
        assertEquals(1, cdn.size(), cdn.toString());
        assertEquals("bytes=" + half + "-", cdn.getFirst().range());
        assertEquals(206, cdn.getFirst().status());
        assertEquals(size(TinyRepo.WEIGHTS) - half, cdn.getFirst().bodyBytes(), "only the remainder was sent");
        assertFalse(Files.exists(dir.resolve(RepoPaths.STAGING_DIR)));
    }

    @Test
    void aServerThatIgnoresRangeIsReadFromTheStart() throws IOException {
        long cut = size(TinyRepo.WEIGHTS) / 3;
        hub.cutOnce(TinyRepo.WEIGHTS, cut, partial(TinyRepo.WEIGHTS));
        assertThrows(HubException.class, () -> download(RetryPolicy.none(), DownloadListener.NONE));
        assertEquals(cut, Files.size(partial(TinyRepo.WEIGHTS)));
        hub.ignoreRange(true);
        hub.clearLog();

        DownloadReport report = download();

        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        FakeHub.Request request = hub.requestsFor("cdn", hub.file(TinyRepo.WEIGHTS).sha256()).getFirst();
        assertEquals("bytes=" + cut + "-", request.range());
        assertEquals(200, request.status());
        FileResult weights = result(report, TinyRepo.WEIGHTS);
        assertEquals(FileResult.Outcome.DOWNLOADED, weights.outcome(), "a full re-download is not a resume");
        assertEquals(size(TinyRepo.WEIGHTS), weights.bytesTransferred());
    }

    @Test
    void aRefusedRangeDiscardsThePartialFileAndStartsOver() throws IOException {
        long cut = size(TinyRepo.WEIGHTS) / 4;
        hub.cutOnce(TinyRepo.WEIGHTS, cut, partial(TinyRepo.WEIGHTS));
        assertThrows(HubException.class, () -> download(RetryPolicy.none(), DownloadListener.NONE));
        hub.failNext(TinyRepo.WEIGHTS, 416, 1);
        hub.clearLog();

        DownloadReport report = download();

        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        List<FakeHub.Request> hubSide = hub.requestsFor("hub", "/" + TinyRepo.WEIGHTS);
        assertEquals(416, hubSide.get(0).status());
        assertEquals("bytes=" + cut + "-", hubSide.get(0).range());
        assertNull(hubSide.get(1).range(), "the retry starts from byte 0");
        assertEquals(FileResult.Outcome.DOWNLOADED, result(report, TinyRepo.WEIGHTS).outcome());
    }

    @Test
    void aPartialFileLongerThanTheListedSizeIsDiscarded() throws IOException {
        Files.createDirectories(partial(TinyRepo.WEIGHTS).getParent());
        Files.write(partial(TinyRepo.WEIGHTS), new byte[(int) size(TinyRepo.WEIGHTS) + 10]);

        DownloadReport report = download();

        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        assertEquals(FileResult.Outcome.DOWNLOADED, result(report, TinyRepo.WEIGHTS).outcome());
        assertNull(hub.requestsFor("cdn", hub.file(TinyRepo.WEIGHTS).sha256()).getFirst().range());
    }

    @Test
    void aStalledBodyIsAbandonedAndResumed() throws IOException {
        long part = size(TinyRepo.WEIGHTS) / 5;
        hub.stallOnce(TinyRepo.WEIGHTS, part);
        HubClient.Options options = HubClient.Options.defaults().withRetry(FAST_RETRY).withReadTimeout(Duration.ofSeconds(1));
        DownloadReport report;
        RecordingListener listener = new RecordingListener();
        try (HubClient client = new HubClient(HubSettings.anonymous(hub.endpoint()), options)) {
            report = new HubDownloader(client).download(TinyRepo.REPO, "main", dir, FileSelection.defaults(), listener);
        }
        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        assertEquals(FileResult.Outcome.RESUMED, result(report, TinyRepo.WEIGHTS).outcome());
        // the stalled answer is logged only when the server shuts down; the resumed one is there already
        FakeHub.Request resumed = hub.requestsFor("cdn", hub.file(TinyRepo.WEIGHTS).sha256()).getFirst();
        assertEquals("bytes=" + part + "-", resumed.range());
        assertEquals(size(TinyRepo.WEIGHTS) - part, resumed.bodyBytes());
        assertTrue(listener.retries.getFirst().contains("no data for 1 s"), listener.retries.toString());
    }

    @Test
    void aCorruptLfsFileFailsWithBothHashesAndLeavesCompletedFilesInPlace() throws IOException {
        byte[] corrupt = hub.file(TinyRepo.WEIGHTS).content().clone();
        corrupt[corrupt.length / 2] ^= 0x40;
        hub.serveInstead(TinyRepo.WEIGHTS, corrupt);

        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, this::download);

        String expected = hub.file(TinyRepo.WEIGHTS).sha256();
        String actual = FakeHub.hex("SHA-256", corrupt);
        assertEquals(TinyRepo.WEIGHTS, e.path());
        assertEquals(HashAlgorithm.SHA256, e.algorithm());
        assertEquals(expected, e.expected());
        assertEquals(actual, e.actual());
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(actual) && e.getMessage().contains(TinyRepo.WEIGHTS),
                e.getMessage());
        assertFalse(Files.exists(partial(TinyRepo.WEIGHTS)), "the bad partial file is deleted");
        assertFalse(Files.exists(dir.resolve(TinyRepo.WEIGHTS)));
        assertAllFilesMatch(List.of("config.json", "generation_config.json"));
    }

    @Test
    void aCorruptGitFileFailsOnItsBlobHash() throws IOException {
        byte[] corrupt = hub.file("tokenizer.json").content().clone();
        corrupt[5] = (byte) 'X';
        hub.serveInstead("tokenizer.json", corrupt);

        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, this::download);

        assertEquals("tokenizer.json", e.path());
        assertEquals(HashAlgorithm.GIT_BLOB_SHA1, e.algorithm());
        assertEquals(hub.file("tokenizer.json").blobId(), e.expected());
        assertFalse(Files.exists(partial("tokenizer.json")));
        assertAllFilesMatch(List.of("config.json", "generation_config.json", TinyRepo.WEIGHTS, "special_tokens_map.json", "spiece.model"));
    }

    @Test
    void aBodyLongerThanListedIsRefused() throws IOException {
        byte[] longer = Arrays.copyOf(hub.file("config.json").content(), hub.file("config.json").content().length + 100);
        hub.serveInstead("config.json", longer);

        HubException e = assertThrows(HubException.class, this::download);

        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("config.json")));
        assertFalse(Files.exists(partial("config.json")));
    }

    @Test
    void serverErrorsAreRetriedThenSucceed() throws IOException {
        hub.failNext("listing", 500, 2);
        hub.failNext("config.json", 503, 1);
        hub.failNext(TinyRepo.WEIGHTS, 502, 1); // on the hub's resolve
        RecordingListener listener = new RecordingListener();

        download(FAST_RETRY, listener);

        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
        assertEquals(4, listener.retries.size(), listener.retries.toString());
        assertEquals(List.of(500, 500, 200), hub.log().stream().filter(r -> r.path().startsWith("/api/")).map(FakeHub.Request::status).toList());
        assertEquals(List.of(503, 200), hub.requestsFor("hub", "/config.json").stream().map(FakeHub.Request::status).toList());
    }

    @Test
    void persistentServerErrorsGiveUpAfterTheConfiguredAttempts() {
        hub.failNext("listing", 500, 10);

        HubHttpException e = assertThrows(HubHttpException.class, this::download);

        assertEquals(500, e.status());
        assertTrue(e.getMessage().contains("gave up after 3 attempts"), e.getMessage());
        assertTrue(e.getMessage().contains("injected failure"), "the server's message is shown: " + e.getMessage());
        assertEquals(3, hub.log().size());
        assertFalse(Files.exists(dir), "nothing was written");
    }

    @Test
    void aRevisionWithSlashesTravelsAsOneSegment() throws IOException {
        try (HubClient client = client(FAST_RETRY)) {
            DownloadReport report = new HubDownloader(client).download(TinyRepo.REPO, FakeHub.PR_REVISION, dir,
                    FileSelection.of(List.of("config.json"), List.of()), DownloadListener.NONE);
            assertEquals(FakeHub.PR_REVISION, report.revision());
        }
        assertTrue(hub.log().getFirst().path().startsWith("/api/models/" + TinyRepo.REPO + "/revision/refs%2Fpr%2F1?"),
                hub.log().getFirst().path());
        assertAllFilesMatch(List.of("config.json"));
    }

    @Test
    void namesNeedingPercentEncodingAndEmptyFilesDownload() throws IOException {
        hub.put("empty.txt", new byte[0], false);
        String odd = "docs/notes with spaces & ü.txt";
        try (HubClient client = client(FAST_RETRY)) {
            new HubDownloader(client).download(TinyRepo.REPO, "main", dir,
                    FileSelection.of(List.of("docs/", "empty.txt"), List.of()), DownloadListener.NONE);
        }
        assertAllFilesMatch(List.of(odd, "empty.txt"));
        assertTrue(hub.log().stream().anyMatch(r -> r.path().endsWith("/docs/notes%20with%20spaces%20%26%20%C3%BC.txt")),
                hub.log().toString());
        assertTrue(hub.log().stream().noneMatch(r -> r.path().endsWith("empty.txt")), "an empty file needs no request");
    }

    @Test
    void aSecondDownloadIntoTheSameDirectoryIsRefusedWhileOneRuns() throws IOException {
        try (StagingArea held = StagingArea.open(dir)) {
            HubException e = assertThrows(HubException.class, this::download);
            assertTrue(e.getMessage().contains("another download is writing into"), e.getMessage());
        }
        download();
        assertAllFilesMatch(TinyRepo.DEFAULT_SELECTION);
    }

    @Test
    void offlineModeContactsNobody() {
        HubSettings offline = new HubSettings(hub.endpoint(), null, "none", true);
        try (HubClient client = new HubClient(offline)) {
            HubException e = assertThrows(HubException.class, () -> new HubDownloader(client).download(TinyRepo.REPO, "main", dir));
            assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        }
        assertTrue(hub.log().isEmpty());
    }
}
