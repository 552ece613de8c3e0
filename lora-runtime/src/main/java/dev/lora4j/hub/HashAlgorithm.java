package dev.lora4j.hub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The two content hashes the hub publishes. Files stored in git are named by their git blob id, which is
 * SHA-1 over {@code "blob <size>\0"} followed by the bytes (what {@code git hash-object} prints, and what the
 * hub gives as {@code blobId} and ETag). Files stored in LFS are named by the SHA-256 of their bytes (the
 * listing's {@code lfs.sha256} and the {@code X-Linked-Etag} header); their blobId is the hash of the small
 * pointer file, not of the content, so it cannot verify them.
 */
public enum HashAlgorithm {
    /**
     * Git's blob id: SHA-1 over a {@code "blob <size>\0"} header and the bytes; verifies files stored in git.
     */
    GIT_BLOB_SHA1("SHA-1", 40, "git blob sha1"),
    /** Plain SHA-256 of the bytes; verifies files stored in LFS. */
    SHA256("SHA-256", 64, "sha256");

    private static final int READ_CHUNK = 1 << 20;

    private final String jcaName;
    private final int hexLength;
    private final String displayName;

    HashAlgorithm(String jcaName, int hexLength, String displayName) {
        this.jcaName = jcaName;
        this.hexLength = hexLength;
        this.displayName = displayName;
    }

    /**
     * How messages name it, e.g. "sha256".
     *
     * @return the name to use in messages
     */
    public String displayName() {
        return displayName;
    }

    /**
     * Whether {@code hex} has this hash's length and only lower-case hex digits.
     *
     * @param hex the text to check; may be null
     * @return true when it can be a digest of this algorithm
     */
    public boolean isWellFormed(String hex) {
        if (hex == null || hex.length() != hexLength) {
            return false;
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * A digest ready to take the content of a file of {@code size} bytes: for git blobs the header that
     * depends on the size is already fed, so resumed downloads can keep feeding bytes in order.
     *
     * @param size the file's full size in bytes
     * @return a fresh digest, primed with the git blob header when needed
     */
    public MessageDigest begin(long size) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides " + jcaName, e);
        }
        if (this == GIT_BLOB_SHA1) {
            digest.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        return digest;
    }

    /**
     * The lower-case hex digest of in-memory content.
     *
     * @param content the whole content
     * @return the digest as lower-case hex
     */
    public String hash(byte[] content) {
        MessageDigest digest = begin(content.length);
        digest.update(content);
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * The lower-case hex digest of a file's content.
     *
     * @param file the file to hash; must exist
     * @return the digest of its content as lower-case hex
     * @throws IOException when the file cannot be read
     */
    public String hashFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest digest = begin(channel.size());
            feed(channel, channel.size(), digest);
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    /** Feeds the first {@code length} bytes of an open file into a digest (used when resuming a download). */
    static void feed(FileChannel channel, long length, MessageDigest digest) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
        long position = 0;
        while (position < length) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), length - position));
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException("file ended at " + position + " of " + length + " bytes while hashing");
            }
            buffer.flip();
            digest.update(buffer);
            position += n;
        }
    }
}
