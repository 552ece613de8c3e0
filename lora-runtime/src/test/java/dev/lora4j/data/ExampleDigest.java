package dev.lora4j.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The SHA-256 digest of parsed examples, serialized exactly as test/resources/python/dataset_digest.py
 * does, so that the Java readers can be compared with Python's json and csv modules on whole files.
 */
final class ExampleDigest {
    private static final String NO_TOPIC = "\u0000no-topic";

    private ExampleDigest() {}

    static String of(List<DialogueExample> examples) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (DialogueExample example : examples) {
            StringBuilder row = new StringBuilder();
            row.append(example.id()).append('\u0001').append(example.dialogue());
            for (String summary : example.summaries()) {
                row.append('\u0001').append(summary);
            }
            row.append('\u0001').append(example.hasTopic() ? example.topic() : NO_TOPIC).append('\u0002');
            sha256.update(row.toString().getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
