package dev.lora4j.hub;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Checks the file names a server lists before any of them reaches the file system. The listing comes from
 * the network, so a name like {@code ../../.bashrc}, {@code /etc/passwd} or {@code a\..\b} must never become
 * a path; we accept only plain relative '/'-separated names whose every segment is an ordinary file name.
 */
final class RepoPaths {
    /** Where partial downloads live inside the target directory; no repository file may claim it. */
    static final String STAGING_DIR = ".lora4j-download";

    private static final int MAX_PATH_CHARS = 1024;
    private static final int MAX_SEGMENT_BYTES = 255; // the usual file-name limit (ext4, APFS, NTFS in UTF-16 units)

    private RepoPaths() {}

    /** Returns why {@code name} is unsafe, or null when it is an acceptable relative path. */
    static String problem(String name) {
        if (name.isEmpty()) {
            return "empty name";
        }
        if (name.length() > MAX_PATH_CHARS) {
            return "name longer than " + MAX_PATH_CHARS + " characters";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\0') {
                return "NUL character";
            }
            if (c < 0x20 || c == 0x7f) {
                return "control character";
            }
            if (c == '\\') {
                return "backslash (a Windows path separator)";
            }
            if (Character.isSurrogate(c) && !validSurrogatePair(name, i)) {
                return "unpaired UTF-16 surrogate";
            }
        }
        if (name.startsWith("/")) {
            return "absolute path";
        }
        if (name.length() >= 2 && name.charAt(1) == ':') {
            return "drive-letter path";
        }
        String[] segments = name.split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                return "empty path segment";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "'" + segment + "' path segment";
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "path segment longer than " + MAX_SEGMENT_BYTES + " bytes";
            }
        }
        if (segments[0].equals(STAGING_DIR)) {
            return "the name " + STAGING_DIR + " is reserved for partial downloads";
        }
        return null;
    }

    private static boolean validSurrogatePair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /**
     * {@code dir/name} for a name that passed {@link #problem}; checks once more, on the resolved path, that
     * it stays inside {@code dir} (a second line of defence, should the rules above ever miss a case).
     */
    static Path resolveInside(Path dir, String name) {
        Path base = dir.toAbsolutePath().normalize();
        Path resolved = base.resolve(name).normalize();
        if (!resolved.startsWith(base) || resolved.equals(base)) {
            throw new HubException("refusing file name '" + name + "': it resolves outside " + base);
        }
        return resolved;
    }
}
