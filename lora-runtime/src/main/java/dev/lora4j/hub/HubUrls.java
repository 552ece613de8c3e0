package dev.lora4j.hub;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The hub's addresses: {@code {endpoint}/api/models/{repo}/revision/{revision}?blobs=true} for the listing and
 * {@code {endpoint}/{repo}/resolve/{revision}/{path}} for a file, with the revision percent-encoded whole
 * (so "refs/pr/1" stays one segment) and each path segment percent-encoded, as huggingface_hub does.
 */
final class HubUrls {
    /** "name" or "namespace/name" with the characters the hub allows; no "--" or ".." anywhere. */
    private static final Pattern REPO_ID = Pattern.compile("([A-Za-z0-9_.\\-]{1,96}/)?[A-Za-z0-9_.\\-]{1,96}");
    private static final int MAX_REVISION_CHARS = 256;

    private HubUrls() {}

    /** Throws a clear error for a repository id the hub would not accept. */
    static void requireRepoId(String repo) {
        if (repo == null || !REPO_ID.matcher(repo).matches() || repo.contains("--") || repo.contains("..")
                || repo.endsWith(".git") || repo.startsWith("-") || repo.startsWith(".") || repo.endsWith("-") || repo.endsWith(".")) {
            throw new HubException("invalid repository id '" + (repo == null ? "null" : ListingParser.printable(repo))
                    + "': expected 'name' or 'namespace/name' (letters, digits, '-', '_', '.'), e.g. google/flan-t5-small");
        }
    }

    static void requireRevision(String revision) {
        if (revision == null || revision.isEmpty() || revision.length() > MAX_REVISION_CHARS
                || revision.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new HubException("invalid revision '" + (revision == null ? "null" : ListingParser.printable(revision))
                    + "': expected a branch, tag or commit id such as 'main'");
        }
    }

    static URI listing(URI endpoint, String repo, String revision) {
        return URI.create(base(endpoint) + "/api/models/" + repo + "/revision/" + encodeSegment(revision) + "?blobs=true");
    }

    static URI resolve(URI endpoint, String repo, String revision, String path) {
        StringBuilder url = new StringBuilder(base(endpoint)).append('/').append(repo).append("/resolve/")
                .append(encodeSegment(revision));
        for (String segment : path.split("/", -1)) {
            url.append('/').append(encodeSegment(segment));
        }
        return URI.create(url.toString());
    }

    private static String base(URI endpoint) {
        String s = endpoint.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** RFC 3986 percent-encoding of one path segment: everything but unreserved characters is escaped. */
    static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
