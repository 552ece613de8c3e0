package dev.lora4j.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.io.StrictJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Talks to a Hugging Face Hub endpoint over HTTP(S): lists a revision's files and opens file downloads,
 * following redirects itself so that the token is only ever sent to the endpoint's own origin (scheme, host
 * and port), never to the CDN an LFS file is redirected to. Transient failures (connection errors, 408, 429,
 * 5xx) are retried with backoff; other errors become {@link HubHttpException}s that say what to do.
 */
public final class HubClient implements AutoCloseable {
    /**
     * Timeouts, retries and limits of a {@link HubClient}.
     *
     * @param retry          how failed attempts are retried; not null
     * @param connectTimeout how long to wait for a connection to be established; positive
     * @param readTimeout    how long to wait for response headers, and for the next bytes of a body, before the
     *                       attempt counts as failed
     * @param maxFileBytes   sanity limit on one file's listed size (the hub itself serves at most 50 GB per file
     *                       over plain HTTP)
     * @param maxRedirects   the most redirects one request follows; at least 0
     */
    public record Options(RetryPolicy retry, Duration connectTimeout, Duration readTimeout, long maxFileBytes, int maxRedirects) {
        /**
         * Validates the options.
         *
         * @throws IllegalArgumentException when a timeout is not positive, or a limit is negative
         * @throws NullPointerException when {@code retry} is null
         */
        public Options {
            Objects.requireNonNull(retry, "retry");
            if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            if (maxFileBytes < 0 || maxRedirects < 0) {
                throw new IllegalArgumentException("maxFileBytes and maxRedirects must not be negative");
            }
        }

        /**
         * The defaults: {@link RetryPolicy#defaults()}, 10 s to connect, 60 s to read, 50 GB per file, 10
         * redirects.
         *
         * @return the default options
         */
        public static Options defaults() {
            return new Options(RetryPolicy.defaults(), Duration.ofSeconds(10), Duration.ofSeconds(60), 50_000_000_000L, 10);
        }

        /**
         * A copy with another retry policy.
         *
         * @param policy how failed attempts are retried; not null
         * @return the new options
         */
        public Options withRetry(RetryPolicy policy) {
            return new Options(policy, connectTimeout, readTimeout, maxFileBytes, maxRedirects);
        }

        /**
         * A copy with another read timeout.
         *
         * @param timeout how long to wait for headers or the next body bytes; positive
         * @return the new options
         */
        public Options withReadTimeout(Duration timeout) {
            return new Options(retry, connectTimeout, timeout, maxFileBytes, maxRedirects);
        }

        /**
         * A copy with another file-size limit.
         *
         * @param bytes the largest listed file size accepted, in bytes; at least 0
         * @return the new options
         */
        public Options withMaxFileBytes(long bytes) {
            return new Options(retry, connectTimeout, readTimeout, bytes, maxRedirects);
        }
    }

    /** The listing of a big repository with a long model card is a few MB; anything far larger is not a listing. */
    private static final int MAX_LISTING_BYTES = 64 << 20;
    private static final int MAX_ERROR_BODY_BYTES = 4096;
    private static final String USER_AGENT = "lora4j/0.1.0; java/" + Runtime.version().feature();

    private final HubSettings settings;
    private final Options options;
    private final HttpClient http;

    /**
     * A client with {@link Options#defaults()}.
     *
     * @param settings the endpoint, token and offline flag to use; not null
     */
    public HubClient(HubSettings settings) {
        this(settings, Options.defaults());
    }

    /**
     * A client with the given options.
     *
     * @param settings the endpoint, token and offline flag to use; not null
     * @param options  timeouts, retries and limits; not null
     */
    public HubClient(HubSettings settings, Options options) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.options = Objects.requireNonNull(options, "options");
        // Redirects are followed by hand (see send): the JDK's automatic following would decide on its own
        // which headers reach the next host.
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(options.connectTimeout())
                .build();
    }

    /**
     * The settings this client was built with.
     *
     * @return the endpoint, token and offline flag
     */
    public HubSettings settings() {
        return settings;
    }

    /**
     * The options this client was built with.
     *
     * @return the timeouts, retries and limits
     */
    public Options options() {
        return options;
    }

    /**
     * Lists the files of {@code repo} at {@code revision} (a branch, tag or commit).
     *
     * @param repo     the repository id, {@code owner/name}
     * @param revision the branch, tag or commit to list
     * @return the files of that revision and the commit it resolved to
     * @throws HubException when the hub cannot be reached, is offline, or returns no valid listing
     * @throws HubHttpException when the hub answers with an error status, such as a missing repository
     */
    public RepoListing listing(String repo, String revision) {
        return listing(repo, revision, DownloadListener.NONE);
    }

    RepoListing listing(String repo, String revision, DownloadListener listener) {
        HubUrls.requireRepoId(repo);
        HubUrls.requireRevision(revision);
        URI uri = HubUrls.listing(settings.endpoint(), repo, revision);
        String what = "listing of " + repo + "@" + revision;
        try (HubResponse response = send(uri, null, what, listener)) {
            if (response.status() != 200) {
                throw new HubHttpException(response.status(), response.uri(),
                        what + ": unexpected HTTP " + response.status() + " from " + response.uri());
            }
            byte[] body = readAtMost(response.body(), MAX_LISTING_BYTES, what);
            String json;
            try {
                json = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(body)).toString();
            } catch (CharacterCodingException e) {
                throw new HubException(what + ": the answer from " + response.uri() + " is not UTF-8 text", e);
            }
            return ListingParser.parse(json, repo, revision, options.maxFileBytes());
        } catch (IOException e) {
            throw new HubException(what + ": connection lost while reading the listing from " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens {@code path} of {@code repo} at {@code revision}, from byte {@code offset} on (a Range request when
     * positive). Returns answers 200, 206 and 416 for the caller to interpret; throws on anything else.
     */
    HubResponse openFile(String repo, String revision, String path, long offset, DownloadListener listener) {
        URI uri = HubUrls.resolve(settings.endpoint(), repo, revision, path);
        String range = offset > 0 ? "bytes=" + offset + "-" : null;
        return send(uri, range, repo + "@" + shortRevision(revision) + ": " + path, listener);
    }

    /**
     * One request with retries: each try follows redirects from {@code start}; a transient failure waits and
     * tries again from the start (CDN addresses are signed and short-lived, so they are never reused).
     */
    private HubResponse send(URI start, String range, String what, DownloadListener listener) {
        if (settings.offline()) {
            throw new HubException(what + ": HF_HUB_OFFLINE is set, so the hub may not be contacted; unset it to download");
        }
        RetryPolicy retry = options.retry();
        for (int attempt = 1; ; attempt++) {
            boolean last = attempt >= retry.maxAttempts();
            String failure;
            Duration delay = retry.delayBefore(attempt + 1);
            try {
                HubResponse response = followRedirects(start, range, what);
                int status = response.status();
                if (status == 200 || status == 206 || status == 416) {
                    return response;
                }
                String serverMessage = serverMessage(response);
                response.close();
                if (!isTransient(status)) {
                    throw HttpErrors.forStatus(status, response.uri(), response.headers(), serverMessage, what, settings);
                }
                failure = "HTTP " + status + serverMessageSuffix(serverMessage);
                delay = retryAfter(response.headers()).map(d -> d.compareTo(retry.maxDelay()) > 0 ? retry.maxDelay() : d).orElse(delay);
                if (last) {
                    throw new HubHttpException(status, response.uri(), what + ": " + failure + " from " + response.uri()
                            + " (gave up after " + attempt + " attempt" + (attempt == 1 ? "" : "s") + "; the hub or its CDN may be down, try again later)");
                }
            } catch (IOException e) {
                failure = describe(e);
                if (last) {
                    throw new HubException(what + ": cannot reach " + start.getScheme() + "://" + start.getAuthority() + ": " + failure
                            + " (gave up after " + attempt + " attempt" + (attempt == 1 ? "" : "s") + ")", e);
                }
            }
            listener.retrying(what, attempt + 1, retry.maxAttempts(), delay, failure);
            pause(delay);
        }
    }

    private HubResponse followRedirects(URI start, String range, String what) throws IOException {
        URI uri = start;
        HttpHeaders hubHeaders = null;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .GET()
                    .timeout(options.readTimeout())
                    .header("User-Agent", USER_AGENT)
                    .header("Accept-Encoding", "identity"); // sizes and hashes are of the raw bytes
            if (range != null) {
                request.header("Range", range);
            }
            if (settings.token() != null && sameOrigin(uri, settings.endpoint())) {
                request.header("Authorization", "Bearer " + settings.token());
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException(what + ": interrupted", e);
            }
            if (hubHeaders == null) {
                hubHeaders = response.headers();
            }
            int status = response.statusCode();
            boolean redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
            Optional<String> location = response.headers().firstValue("Location");
            if (!redirect || location.isEmpty()) {
                return new HubResponse(status, response.headers(), hubHeaders, uri, response.body());
            }
            response.body().close();
            if (hop >= options.maxRedirects()) {
                throw new HubException(what + ": more than " + options.maxRedirects() + " redirects, the last to " + location.get());
            }
            uri = nextLocation(uri, location.get(), what);
        }
    }

    private static URI nextLocation(URI current, String location, String what) {
        URI next;
        try {
            next = current.resolve(location.strip());
        } catch (IllegalArgumentException e) {
            throw new HubException(what + ": unusable redirect location '" + ListingParser.printable(location) + "' from " + current, e);
        }
        String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || next.getHost() == null) {
            throw new HubException(what + ": refusing redirect to '" + ListingParser.printable(location) + "' from " + current
                    + ": only http(s) addresses are followed");
        }
        return next;
    }

    /** Same scheme, host and port: the only places the token may go (the rule browsers and httpx apply). */
    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static boolean isTransient(int status) {
        return status == 408 || status == 429 || status >= 500 && status <= 599;
    }

    private static Optional<Duration> retryAfter(HttpHeaders headers) {
        Optional<String> value = headers.firstValue("Retry-After");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            long seconds = Long.parseLong(value.get().strip());
            return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            return Optional.empty(); // an HTTP date: fall back to our own backoff
        }
    }

    /** The hub explains errors in X-Error-Message or in a JSON body {"error": "..."}; either is worth showing. */
    private static String serverMessage(HubResponse response) {
        Optional<String> header = response.headers().firstValue("X-Error-Message");
        if (header.isPresent() && !header.get().isBlank()) {
            return clip(header.get());
        }
        try {
            byte[] body = readAtMost(response.body(), MAX_ERROR_BODY_BYTES, null);
            String text = new String(body, StandardCharsets.UTF_8).strip();
            if (text.startsWith("{")) {
                try {
                    JsonNode error = StrictJson.parse(text).get("error");
                    if (error != null && error.isTextual()) {
                        return clip(error.textValue());
                    }
                } catch (JsonProcessingException notJson) {
                    // fall through to the raw text
                }
            }
            return text.isEmpty() || text.startsWith("<") ? null : clip(text); // an HTML error page says nothing useful
        } catch (IOException | HubException unreadable) {
            return null;
        }
    }

    static String serverMessageSuffix(String serverMessage) {
        return serverMessage == null ? "" : " (server says: " + serverMessage + ")";
    }

    private static String clip(String text) {
        String oneLine = ListingParser.printable(text.replace('\n', ' ').replace('\r', ' '));
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "…" : oneLine;
    }

    /** Reads a whole body that must not exceed {@code limit} bytes. */
    private static byte[] readAtMost(InputStream in, int limit, String what) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (out.size() + n > limit) {
                if (what == null) {
                    out.write(buffer, 0, limit - out.size());
                    break;
                }
                throw new HubException(what + ": the answer is larger than " + limit + " bytes; this is not a listing");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    static String describe(IOException e) {
        String message = e.getMessage();
        String kind = e.getClass().getSimpleName();
        return message == null || message.isBlank() ? kind : kind + ": " + message;
    }

    static String shortRevision(String revision) {
        return HashAlgorithm.GIT_BLOB_SHA1.isWellFormed(revision) ? revision.substring(0, 12) : revision;
    }

    void pause(Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while waiting to retry", e);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
