package dev.lora4j.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.io.StrictJson;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the hub's answer to {@code GET /api/models/{repo}/revision/{revision}?blobs=true}:
 * {@code {"sha": "<commit>", "siblings": [{"rfilename", "size", "blobId", "lfs": {"sha256", "size"}}, ...]}}
 * plus many fields we do not need. Everything we use is type-checked: a listing is the only thing that
 * tells us which names to create and which hashes to trust, so a wrong type, a hostile name, an absurd
 * size or a duplicate fails the whole listing before anything is written.
 */
final class ListingParser {
    private ListingParser() {}

    static RepoListing parse(String json, String repo, String revision, long maxFileBytes) {
        String what = "listing of " + repo + "@" + revision;
        JsonNode root;
        try {
            root = StrictJson.parse(json);
        } catch (JsonProcessingException e) {
            throw new HubException(what + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new HubException(what + ": expected a JSON object, got " + typeName(root));
        }
        String commit = requireString(root, "sha", what);
        if (!HashAlgorithm.GIT_BLOB_SHA1.isWellFormed(commit)) {
            throw new HubException(what + ": 'sha' is not a 40-digit lower-case hex commit id: '" + shorten(commit) + "'");
        }
        JsonNode siblings = root.get("siblings");
        if (siblings == null || !siblings.isArray()) {
            throw new HubException(what + ": 'siblings' must be an array, got " + typeName(siblings));
        }
        List<RepoFile> files = new ArrayList<>(siblings.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < siblings.size(); i++) {
            String where = what + ": siblings[" + i + "]";
            RepoFile file = parseSibling(siblings.get(i), where, maxFileBytes);
            if (!names.add(file.path())) {
                throw new HubException(where + ": duplicate file name '" + file.path() + "'");
            }
            files.add(file);
        }
        requireNoFileDirectoryClash(names, what);
        return new RepoListing(repo, revision, commit, files);
    }

    private static RepoFile parseSibling(JsonNode node, String where, long maxFileBytes) {
        if (!node.isObject()) {
            throw new HubException(where + ": expected an object, got " + typeName(node));
        }
        String name = requireString(node, "rfilename", where);
        String problem = RepoPaths.problem(name);
        if (problem != null) {
            throw new HubException(where + ": refusing unsafe file name '" + printable(name) + "': " + problem);
        }
        where = where + " '" + name + "'";
        if (!node.has("size")) {
            throw new HubException(where + ": no 'size' (the server did not honour ?blobs=true)");
        }
        long size = requireSize(node, "size", where, maxFileBytes);
        String blobId = requireString(node, "blobId", where);
        if (!HashAlgorithm.GIT_BLOB_SHA1.isWellFormed(blobId)) {
            throw new HubException(where + ": 'blobId' is not a 40-digit lower-case hex id: '" + shorten(blobId) + "'");
        }
        JsonNode lfs = node.get("lfs");
        String sha256 = null;
        if (lfs != null && !lfs.isNull()) {
            if (!lfs.isObject()) {
                throw new HubException(where + ": 'lfs' must be an object, got " + typeName(lfs));
            }
            sha256 = requireString(lfs, "sha256", where + ".lfs");
            if (!HashAlgorithm.SHA256.isWellFormed(sha256)) {
                throw new HubException(where + ": 'lfs.sha256' is not a 64-digit lower-case hex digest: '" + shorten(sha256) + "'");
            }
            long lfsSize = requireSize(lfs, "size", where + ".lfs", maxFileBytes);
            if (lfsSize != size) {
                throw new HubException(where + ": 'size' " + size + " and 'lfs.size' " + lfsSize + " disagree");
            }
        }
        return new RepoFile(name, size, blobId, sha256);
    }

    /** "a" and "a/b" cannot both be files: one would have to be a directory. */
    private static void requireNoFileDirectoryClash(Set<String> names, String what) {
        for (String name : names) {
            for (int slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
                String parent = name.substring(0, slash);
                if (names.contains(parent)) {
                    throw new HubException(what + ": '" + parent + "' is listed both as a file and as the directory of '" + name + "'");
                }
            }
        }
    }

    private static String requireString(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new HubException(where + ": '" + field + "' must be a string, got " + typeName(value));
        }
        return value.textValue();
    }

    private static long requireSize(JsonNode node, String field, String where, long maxFileBytes) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new HubException(where + ": '" + field + "' must be an integer, got " + typeName(value)
                    + (value != null && value.isNumber() ? " " + value.asText() : ""));
        }
        long size = value.longValue();
        if (size < 0) {
            throw new HubException(where + ": negative '" + field + "' " + size);
        }
        if (size > maxFileBytes) {
            throw new HubException(where + ": '" + field + "' " + size + " bytes is above the sanity limit of "
                    + maxFileBytes + " bytes per file");
        }
        return size;
    }

    private static String typeName(JsonNode node) {
        if (node == null) {
            return "nothing (missing)";
        }
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static String shorten(String s) {
        return printable(s.length() > 80 ? s.substring(0, 80) + "…" : s);
    }

    /** Names go into messages; control characters (NUL, escape sequences) must not reach a terminal. */
    static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
