package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading vocabulary files with a size limit, so a wrong path never turns into a huge allocation. */
final class TokenizerFiles {
    private TokenizerFiles() {}

    /** Vocabulary files are a few MB; anything this large is not one. */
    static final long MAX_FILE_BYTES = 512L * 1024 * 1024;

    static byte[] read(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new Lora4jException("tokenizer.load", file + " is " + size
                        + " bytes, larger than any tokenizer file (limit " + MAX_FILE_BYTES + ")");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Lora4jException("tokenizer.load", "cannot read " + file + ": " + e, e);
        }
    }

    /** Whether the bytes look like JSON (first non-blank char is '{'), as opposed to a protobuf. */
    static boolean looksLikeJson(byte[] data) {
        int i = 0;
        if (data.length >= 3 && (data[0] & 0xFF) == 0xEF && (data[1] & 0xFF) == 0xBB && (data[2] & 0xFF) == 0xBF) {
            i = 3;
        }
        while (i < data.length && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) {
            i++;
        }
        return i < data.length && data[i] == '{';
    }
}
