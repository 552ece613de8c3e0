package dev.lora4j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Fetches one file into its partial file, resuming from whatever that already holds, verifies the whole
 * content against the listed hash, and only then renames it into place. The digest is fed in file order as
 * bytes arrive (after re-reading any resumed prefix), so a multi-GB file is read from disk once.
 *
 * <p>Server answers to a Range request: 206 continues at our offset; 200 means the server ignored the range, so
 * the partial file is truncated and the body taken from the start; 416 means our partial file does not fit the
 * server's file, so it is discarded and the download starts over (once). A connection that drops or stalls
 * mid-body is resumed with a new Range request; when the retries run out the partial file stays for the next
 * run.
 */
final class FileDownload {
    private static final int CHUNK = 1 << 16;

    private final HubClient client;
    private final String repo;
    private final String commit;
    private final RepoFile file;
    private final Path target;
    private final Path partial;
    private final DownloadListener listener;

    private MessageDigest digest;
    private long onDisk;
    private long transferred;
    private long resumedFrom;
    private boolean resumed;

    FileDownload(HubClient client, String repo, String commit, RepoFile file, Path target, Path partial, DownloadListener listener) {
        this.client = client;
        this.repo = repo;
        this.commit = commit;
        this.file = file;
        this.target = target;
        this.partial = partial;
        this.listener = listener;
    }

    FileResult run() throws IOException {
        Files.createDirectories(partial.getParent());
        if (Files.exists(partial) && Files.size(partial) > file.size()) {
            Files.delete(partial); // longer than the file can be: not a prefix of it
        }
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            onDisk = channel.size();
            digest = file.hashAlgorithm().begin(file.size());
            HashAlgorithm.feed(channel, onDisk, digest);
            listener.fileStarted(file, onDisk);
            fetchRemainder(channel);
            channel.force(true);
        } catch (HubException e) {
            if (Files.exists(partial) && Files.size(partial) == 0) {
                Files.delete(partial); // nothing worth resuming; do not leave an empty file behind
            }
            throw e;
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(file.expectedHash())) {
            Files.deleteIfExists(partial);
            throw new ChecksumMismatchException(file.path(), file.hashAlgorithm(), file.expectedHash(), actual);
        }
        Files.createDirectories(target.getParent());
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.getParent());
        FileResult.Outcome outcome = resumed ? FileResult.Outcome.RESUMED : FileResult.Outcome.DOWNLOADED;
        return new FileResult(file, outcome, transferred, resumedFrom);
    }

    private void fetchRemainder(FileChannel channel) throws IOException {
        RetryPolicy retry = client.options().retry();
        int failures = 0;
        boolean restartedAfter416 = false;
        while (onDisk < file.size()) {
            long before = onDisk;
            String failure;
            try (HubResponse response = client.openFile(repo, commit, file.path(), onDisk, listener)) {
                checkAgainstListing(response.hubHeaders());
                if (response.status() == 416) {
                    if (onDisk == 0 || restartedAfter416) {
                        throw new HubHttpException(416, response.uri(), label() + ": the server refused the byte range from "
                                + onDisk + " of a file listed with " + file.size() + " bytes");
                    }
                    restartedAfter416 = true;
                    restart(channel);
                    continue;
                }
                if (response.status() == 200 && onDisk > 0) {
                    restart(channel); // the server ignored Range and sends the whole file
                } else if (response.status() == 206) {
                    checkContentRange(response.headers());
                    if (onDisk > 0 && !resumed) {
                        resumed = true;
                        resumedFrom = onDisk;
                    }
                }
                checkContentLength(response.headers());
                failure = copyBody(response, channel);
            }
            if (failure == null && onDisk == file.size()) {
                return;
            }
            if (failure == null) {
                failure = "the body ended after " + onDisk + " of " + file.size() + " bytes";
            }
            channel.force(false); // what we have is kept for resuming, even if this process dies now
            failures = onDisk > before ? 1 : failures + 1;
            if (failures >= retry.maxAttempts()) {
                throw new HubException(label() + ": " + failure + "; gave up after " + failures + " attempt"
                        + (failures == 1 ? "" : "s") + " without progress. The " + onDisk + " bytes received are kept in "
                        + partial + ": run the download again to resume");
            }
            Duration delay = retry.delayBefore(failures + 1);
            listener.retrying(label(), failures + 1, retry.maxAttempts(), delay, failure + "; resuming from byte " + onDisk);
            client.pause(delay);
        }
    }

    /** Streams the body to the end of the partial file; returns why it stopped early, or null at a clean end. */
    private String copyBody(HubResponse response, FileChannel channel) throws IOException {
        InputStream body = response.body();
        byte[] buffer = new byte[CHUNK];
        try (StallGuard guard = new StallGuard(body, client.options().readTimeout())) {
            while (true) {
                int n;
                try {
                    n = body.read(buffer);
                } catch (IOException e) {
                    return guard.stalled()
                            ? "no data for " + client.options().readTimeout().toSeconds() + " s after " + onDisk + " of " + file.size() + " bytes"
                            : "connection lost after " + onDisk + " of " + file.size() + " bytes (" + HubClient.describe(e) + ")";
                }
                if (n < 0) {
                    return null;
                }
                guard.progressed();
                if (onDisk + n > file.size()) {
                    Files.deleteIfExists(partial);
                    throw new HubException(label() + ": the server sent more than the " + file.size()
                            + " bytes the listing gives; the partial download was deleted");
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    channel.write(chunk, onDisk + chunk.position());
                }
                digest.update(buffer, 0, n);
                onDisk += n;
                transferred += n;
                listener.fileProgress(file, onDisk, file.size());
            }
        }
    }

    private void restart(FileChannel channel) throws IOException {
        channel.truncate(0);
        onDisk = 0;
        digest = file.hashAlgorithm().begin(file.size());
        listener.fileProgress(file, 0, file.size());
    }

    /**
     * The hub repeats the file's size and hash in headers; if they disagree with the listing, the bytes about to
     * come are not the file we mean to verify, and it is better to say so now than after a long download.
     */
    private void checkAgainstListing(HttpHeaders hub) {
        Optional<String> repoCommit = hub.firstValue("X-Repo-Commit");
        if (repoCommit.isPresent() && HashAlgorithm.GIT_BLOB_SHA1.isWellFormed(repoCommit.get()) && !repoCommit.get().equals(commit)) {
            throw new HubException(label() + ": asked for commit " + commit + " but the hub served commit " + repoCommit.get());
        }
        Optional<String> linkedSize = hub.firstValue("X-Linked-Size");
        if (linkedSize.isPresent()) {
            long size = parseLong(linkedSize.get(), "X-Linked-Size");
            if (size != file.size()) {
                throw new HubException(label() + ": the listing gives " + file.size() + " bytes but the hub's X-Linked-Size says " + size);
            }
        }
        String etagHeader = file.isLfs() ? "X-Linked-Etag" : "ETag";
        Optional<String> etag = hub.firstValue(etagHeader).map(FileDownload::normalizeEtag);
        if (etag.isPresent() && file.hashAlgorithm().isWellFormed(etag.get()) && !etag.get().equals(file.expectedHash())) {
            throw new HubException(label() + ": the listing gives " + file.hashAlgorithm().displayName() + " " + file.expectedHash()
                    + " but the hub's " + etagHeader + " says " + etag.get());
        }
    }

    /** A 206 must continue exactly where our file ends, of a file of the listed size. */
    private void checkContentRange(HttpHeaders headers) {
        String value = headers.firstValue("Content-Range").orElseThrow(() ->
                new HubException(label() + ": partial content (206) without a Content-Range header"));
        String v = value.strip().toLowerCase(Locale.ROOT);
        int dash = v.indexOf('-');
        int slash = v.indexOf('/');
        if (!v.startsWith("bytes ") || dash < 0 || slash < dash) {
            throw new HubException(label() + ": unreadable Content-Range '" + ListingParser.printable(value) + "'");
        }
        long start = parseLong(v.substring(6, dash), "Content-Range");
        long end = parseLong(v.substring(dash + 1, slash), "Content-Range");
        String total = v.substring(slash + 1).strip();
        if (start != onDisk || end != file.size() - 1 || !total.equals("*") && parseLong(total, "Content-Range") != file.size()) {
            throw new HubException(label() + ": asked for bytes " + onDisk + "- of " + file.size() + " but the server sent range '"
                    + ListingParser.printable(value) + "'");
        }
    }

    private void checkContentLength(HttpHeaders headers) {
        Optional<String> value = headers.firstValue("Content-Length");
        boolean encoded = headers.firstValue("Content-Encoding").filter(e -> !e.equalsIgnoreCase("identity")).isPresent();
        if (value.isEmpty() || encoded) {
            return;
        }
        long length = parseLong(value.get(), "Content-Length");
        if (length != file.size() - onDisk) {
            throw new HubException(label() + ": expected " + (file.size() - onDisk) + " more bytes but the server announces "
                    + length + " (Content-Length)");
        }
    }

    private long parseLong(String text, String header) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new HubException(label() + ": unreadable " + header + " '" + ListingParser.printable(text) + "'", e);
        }
    }

    /** ETag: W/"abc" and ETag: "abc" both name abc (as huggingface_hub reads them). */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e.toLowerCase(Locale.ROOT);
    }

    private String label() {
        return repo + "@" + HubClient.shortRevision(commit) + ": " + file.path();
    }

    private static void syncDirectory(Path dir) {
        // Makes the rename durable on Linux; platforms that cannot open directories lose only that guarantee.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort, as in dev.lora4j.io.AtomicFiles
        }
    }
}
