package dev.lora4j.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An in-process imitation of the Hugging Face Hub, close enough that huggingface_hub's own client downloads
 * from it (PythonClientParityTest): the listing API with ?blobs=true, resolve URLs answering git-stored files
 * directly (ETag = git blob id) and LFS files with a 302 to a second server standing in for the CDN (with
 * X-Linked-Etag = sha256, X-Linked-Size, X-Repo-Commit), Range requests, the hub's X-Error-Code answers, and
 * a token requirement. Faults are injected per file; every request is logged with what was sent back, so tests
 * can prove what crossed the wire.
 *
 * <p>The hub listens on 127.0.0.1 and the CDN on "localhost" at another port: a different host and origin.
 */
public final class FakeHub implements AutoCloseable {
    /** One answered request. {@code bodyBytes} is what was actually written, cut connections included. */
    public record Request(String server, String method, String path, String range, String authorization, int status, long bodyBytes) {}

    /** A file as stored in the fake repository. */
    record StoredFile(byte[] content, boolean lfs) {
        String sha256() {
            return hex("SHA-256", content);
        }

        /** git's blob id: of the content for git files, of the LFS pointer text for LFS files. */
        String blobId() {
            byte[] stored = lfs ? pointer().getBytes(StandardCharsets.UTF_8) : content;
            byte[] header = ("blob " + stored.length + "\0").getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[header.length + stored.length];
            System.arraycopy(header, 0, all, 0, header.length);
            System.arraycopy(stored, 0, all, header.length, stored.length);
            return hex("SHA-1", all);
        }

        String pointer() {
            return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256() + "\nsize " + content.length + "\n";
        }
    }

    private sealed interface Fault {}

    /**
     * Send the headers for the whole answer, then only {@code bytes} bytes, then drop the connection. The JDK
     * client discards bytes it received but had not yet handed to the reader when a connection fails, so to
     * make the cut point exact the server waits until the client has stored them in {@code clientFile}.
     */
    private record Cut(long bytes, Path clientFile) implements Fault {}

    /** Send {@code bytes} bytes, then go silent until the server closes. */
    private record Stall(long bytes) implements Fault {}

    /** Answer with this status instead. */
    private record Status(int status) implements Fault {}

    /**
     * Thrown out of a handler to make the JDK server drop the connection mid-body: closing the exchange with
     * bytes outstanding would leave the connection open and the client waiting.
     */
    private static final class DroppedConnection extends RuntimeException {
        DroppedConnection() {
            super("connection dropped on purpose", null, false, false);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A revision name with slashes, which must travel percent-encoded as one path segment. */
    static final String PR_REVISION = "refs/pr/1";

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final String commit;
    private final String repo;
    private final Map<String, StoredFile> files = new LinkedHashMap<>();
    private final Map<String, byte[]> servedInstead = new ConcurrentHashMap<>();
    private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
    private final List<Request> log = new CopyOnWriteArrayList<>();
    private volatile String rawListing;
    private volatile String requiredToken;
    private volatile boolean gated;
    private volatile boolean ignoreRange;
    private volatile String cdnBase;

    public FakeHub(String repo, String commit) throws IOException {
        this.repo = repo;
        this.commit = commit;
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(InetAddress.getByName("localhost"), 0), 0);
        hub.setExecutor(threads);
        cdn.setExecutor(threads);
        hub.createContext("/", exchange -> handle("hub", exchange));
        cdn.createContext("/", exchange -> handle("cdn", exchange));
        hub.start();
        cdn.start();
        cdnBase = "http://localhost:" + cdn.getAddress().getPort();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    String commit() {
        return commit;
    }

    public FakeHub put(String path, byte[] content, boolean lfs) {
        files.put(path, new StoredFile(content.clone(), lfs));
        return this;
    }

    StoredFile file(String path) {
        return files.get(path);
    }

    Map<String, StoredFile> files() {
        return files;
    }

    /** Serve these bytes for {@code path} while the listing and headers keep describing the original. */
    void serveInstead(String path, byte[] content) {
        servedInstead.put(path, content.clone());
    }

    /** The next answer for {@code path} drops the connection once the client has {@code afterBytes} in {@code clientFile}. */
    void cutOnce(String path, long afterBytes, Path clientFile) {
        fault(path, new Cut(afterBytes, clientFile));
    }

    void stallOnce(String path, long afterBytes) {
        fault(path, new Stall(afterBytes));
    }

    /** The next {@code times} requests for {@code path} (or "listing") answer {@code status}. */
    void failNext(String path, int status, int times) {
        for (int i = 0; i < times; i++) {
            fault(path, new Status(status));
        }
    }

    void requireToken(String token) {
        this.requiredToken = token;
    }

    void gated(boolean gated) {
        this.gated = gated;
    }

    void ignoreRange(boolean ignore) {
        this.ignoreRange = ignore;
    }

    /** Answer the listing with this text verbatim. */
    void rawListing(String json) {
        this.rawListing = json;
    }

    /** Send LFS redirects to another base URL (e.g. back to the hub's own origin). */
    void cdnBase(String base) {
        this.cdnBase = base;
    }

    public List<Request> log() {
        return List.copyOf(log);
    }

    /** Requests to one server whose path (before any query) ends with {@code pathSuffix}. */
    List<Request> requestsFor(String server, String pathSuffix) {
        return log.stream().filter(r -> r.server().equals(server) && r.path().split("\\?")[0].endsWith(pathSuffix)).toList();
    }

    public void clearLog() {
        log.clear();
    }

    /** The listing JSON as the hub sends it with ?blobs=true (fields we do not read included, as the hub does). */
    String listingJson(boolean blobs) {
        ObjectNode root = JSON.createObjectNode();
        root.put("_id", "621ffdc136468d709f17b6d0");
        root.put("id", repo);
        root.put("modelId", repo);
        root.put("author", repo.contains("/") ? repo.substring(0, repo.indexOf('/')) : repo);
        root.put("sha", commit);
        root.put("lastModified", "2023-10-25T09:12:34.000Z");
        root.put("private", false);
        root.put("gated", gated ? "auto" : null);
        root.put("disabled", false);
        root.putArray("tags").add("transformers").add("safetensors").add("t5");
        root.put("pipeline_tag", "text2text-generation");
        ObjectNode card = root.putObject("cardData");
        card.put("license", "apache-2.0");
        ArrayNode siblings = root.putArray("siblings");
        for (Map.Entry<String, StoredFile> entry : files.entrySet()) {
            ObjectNode sibling = siblings.addObject();
            sibling.put("rfilename", entry.getKey());
            if (blobs) {
                StoredFile file = entry.getValue();
                sibling.put("blobId", file.blobId());
                sibling.put("size", file.content().length);
                if (file.lfs()) {
                    ObjectNode lfs = sibling.putObject("lfs");
                    lfs.put("sha256", file.sha256());
                    lfs.put("size", file.content().length);
                    lfs.put("pointerSize", file.pointer().length());
                }
            }
        }
        root.put("createdAt", "2022-03-02T23:29:05.000Z");
        root.put("usedStorage", files.values().stream().mapToLong(f -> f.content().length).sum());
        return root.toString();
    }

    // ------------------------------------------------------------------------------------------- serving

    private void fault(String path, Fault fault) {
        faults.computeIfAbsent(path, k -> new ConcurrentLinkedDeque<>()).add(fault);
    }

    private Fault nextFault(String path) {
        Deque<Fault> queue = faults.get(path);
        return queue == null ? null : queue.poll();
    }

    private void handle(String server, HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String rawPath = exchange.getRequestURI().getRawPath();
        String range = exchange.getRequestHeaders().getFirst("Range");
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        int[] status = {0};
        long[] sent = {0};
        boolean dropped = false;
        try {
            if (server.equals("cdn")) {
                serveCdn(exchange, rawPath, status, sent);
            } else {
                serveHub(exchange, rawPath, auth, status, sent);
            }
        } catch (DroppedConnection e) {
            dropped = true;
        } catch (IOException | RuntimeException e) {
            // a client that went away: logged below like any answer
        } finally {
            log.add(new Request(server, method, exchange.getRequestURI().toString(), range, auth, status[0], sent[0]));
            if (!dropped) {
                exchange.close();
            }
        }
        if (dropped) {
            throw new DroppedConnection(); // the server closes the socket when a handler throws mid-answer
        }
    }

    private void serveHub(HttpExchange exchange, String rawPath, String auth, int[] status, long[] sent) throws IOException {
        boolean authorized = requiredToken == null || ("Bearer " + requiredToken).equals(auth);
        if (rawPath.startsWith("/api/models/") && rawPath.contains("/revision/")) {
            String rest = rawPath.substring("/api/models/".length());
            String repoId = rest.substring(0, rest.indexOf("/revision/"));
            String revision = decode(rest.substring(rest.indexOf("/revision/") + "/revision/".length()));
            if (!checkAccess(exchange, repoId, revision, authorized, auth, status)) {
                return;
            }
            Fault fault = nextFault("listing");
            if (fault instanceof Status s) {
                error(exchange, s.status(), null, "injected failure", status);
                return;
            }
            String query = exchange.getRequestURI().getRawQuery();
            boolean blobs = query != null && query.contains("blobs=true");
            byte[] body = (rawListing != null ? rawListing : listingJson(blobs)).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            status[0] = 200;
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            sent[0] = body.length;
            return;
        }
        int resolve = rawPath.indexOf("/resolve/");
        if (resolve < 0) {
            error(exchange, 404, null, "no such route", status);
            return;
        }
        String repoId = rawPath.substring(1, resolve);
        String rest = rawPath.substring(resolve + "/resolve/".length());
        int slash = rest.indexOf('/');
        String revision = decode(rest.substring(0, slash));
        List<String> segments = new ArrayList<>();
        for (String segment : rest.substring(slash + 1).split("/", -1)) {
            segments.add(decode(segment));
        }
        String path = String.join("/", segments);
        if (!checkAccess(exchange, repoId, revision, authorized, auth, status)) {
            return;
        }
        StoredFile file = files.get(path);
        if (file == null) {
            error(exchange, 404, "EntryNotFound", "Entry not found", status);
            return;
        }
        Fault fault = nextFault(path);
        if (fault instanceof Status s) {
            error(exchange, s.status(), null, "injected failure", status);
            return;
        }
        var headers = exchange.getResponseHeaders();
        headers.set("X-Repo-Commit", commit);
        if (file.lfs()) {
            if (fault != null) {
                fault(path, fault); // body faults apply where the body is served: on the CDN
            }
            headers.set("ETag", "\"" + file.blobId() + "\"");
            headers.set("X-Linked-Etag", "\"" + file.sha256() + "\"");
            headers.set("X-Linked-Size", Long.toString(file.content().length));
            headers.set("Location", cdnBase + "/lfs/" + repoId + "/" + file.sha256() + "?X-Amz-Signature=fake&name=" + path);
            status[0] = 302;
            exchange.sendResponseHeaders(302, -1);
            return;
        }
        headers.set("ETag", "\"" + file.blobId() + "\"");
        serveContent(exchange, path, file, fault, status, sent);
    }

    /** The hub's access rules: token, gating, repository and revision existence, with its error codes. */
    private boolean checkAccess(HttpExchange exchange, String repoId, String revision, boolean authorized, String auth,
                                int[] status) throws IOException {
        if (!authorized) {
            error(exchange, 401, auth == null ? "RepoNotFound" : null,
                    auth == null ? "Repository not found" : "Invalid credentials in Authorization header", status);
            return false;
        }
        if (gated && auth == null) {
            error(exchange, 403, "GatedRepo", "Access to model " + repoId + " is restricted.", status);
            return false;
        }
        if (!repoId.equals(repo)) {
            error(exchange, auth == null ? 401 : 404, "RepoNotFound", "Repository not found", status);
            return false;
        }
        if (!revision.equals("main") && !revision.equals(commit) && !revision.equals(PR_REVISION)) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision, status);
            return false;
        }
        return true;
    }

    private void serveCdn(HttpExchange exchange, String rawPath, int[] status, long[] sent) throws IOException {
        String sha = rawPath.substring(rawPath.lastIndexOf('/') + 1);
        for (Map.Entry<String, StoredFile> entry : files.entrySet()) {
            if (entry.getValue().lfs() && entry.getValue().sha256().equals(sha)) {
                Fault fault = nextFault(entry.getKey());
                if (fault instanceof Status s) {
                    error(exchange, s.status(), null, "injected CDN failure", status);
                    return;
                }
                exchange.getResponseHeaders().set("ETag", "\"cdn-" + sha.substring(0, 16) + "\"");
                exchange.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"" + entry.getKey() + "\";");
                serveContent(exchange, entry.getKey(), entry.getValue(), fault, status, sent);
                return;
            }
        }
        error(exchange, 404, null, "no such object", status);
    }

    /** Sends a file's bytes honouring "Range: bytes=N-" (unless told to ignore it), with any body fault applied. */
    private void serveContent(HttpExchange exchange, String path, StoredFile file, Fault fault, int[] status, long[] sent)
            throws IOException {
        byte[] content = servedInstead.getOrDefault(path, file.content());
        long size = content.length;
        long from = 0;
        int code = 200;
        String range = exchange.getRequestHeaders().getFirst("Range");
        var headers = exchange.getResponseHeaders();
        headers.set("Accept-Ranges", "bytes");
        headers.set("Content-Type", "application/octet-stream");
        if (range != null && !ignoreRange) {
            if (!range.startsWith("bytes=") || !range.endsWith("-")) {
                throw new IllegalStateException("the client should only ask for open-ended ranges, got " + range);
            }
            from = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
            if (from >= size) {
                headers.set("Content-Range", "bytes */" + size);
                status[0] = 416;
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            code = 206;
            headers.set("Content-Range", "bytes " + from + "-" + (size - 1) + "/" + size);
        }
        long length = size - from;
        if (exchange.getRequestMethod().equals("HEAD")) {
            headers.set("Content-Length", Long.toString(length));
            status[0] = code;
            exchange.sendResponseHeaders(code, -1);
            return;
        }
        status[0] = code;
        exchange.sendResponseHeaders(code, length);
        OutputStream out = exchange.getResponseBody();
        long limit = switch (fault) {
            case Cut c -> Math.min(c.bytes(), length);
            case Stall s -> Math.min(s.bytes(), length);
            case null, default -> length;
        };
        int chunk = 8192;
        for (long off = 0; off < limit; off += chunk) {
            int n = (int) Math.min(chunk, limit - off);
            out.write(content, (int) (from + off), n);
            sent[0] += n;
        }
        out.flush();
        if (fault instanceof Stall) {
            try {
                closing.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new DroppedConnection();
        }
        if (fault instanceof Cut cut) {
            awaitSize(cut.clientFile(), from + limit);
            throw new DroppedConnection(); // fewer bytes than announced, then the socket closes
        }
    }

    private static void awaitSize(Path file, long size) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (System.nanoTime() < deadline && !(Files.exists(file) && Files.size(file) >= size)) {
                Thread.sleep(2);
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private void error(HttpExchange exchange, int code, String errorCode, String message, int[] status) throws IOException {
        byte[] body = JSON.createObjectNode().put("error", message).toString().getBytes(StandardCharsets.UTF_8);
        if (errorCode != null) {
            exchange.getResponseHeaders().set("X-Error-Code", errorCode);
        }
        exchange.getResponseHeaders().set("X-Error-Message", message);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        status[0] = code;
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(code, -1);
            return;
        }
        exchange.sendResponseHeaders(code, body.length);
        exchange.getResponseBody().write(body);
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        hub.stop(0);
        cdn.stop(0);
        threads.shutdownNow();
    }
}
