package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plain-text dialogue (a file or standard input): strict UTF-8, and at most {@link #MAX_BYTES}. One
 * dialogue is a few kilobytes and the model sees at most --max-source-length tokens of it, so a larger
 * input is a mistake (a data file without its extension, a binary); refusing it early beats running out
 * of memory, and invalid UTF-8 is named as such instead of Java's "Input length = 3".
 */
final class TextInput {
    static final int MAX_BYTES = 16 << 20;

    private TextInput() {}

    static String read(Path file) {
        if (Files.isDirectory(file)) {
            throw new Lora4jException("cli", file + " is a directory: give a text file holding one dialogue");
        }
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw tooLarge(file.toString(), size);
            }
            return decode(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new Lora4jException("cli", "cannot read " + file + ": " + IoMessages.reason(e), e);
        }
    }

    static String read(InputStream in, String name) {
        try {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw tooLarge(name, bytes.length);
            }
            return decode(bytes, name);
        } catch (IOException e) {
            throw new Lora4jException("cli", "cannot read " + name + ": " + IoMessages.reason(e), e);
        }
    }

    private static String decode(byte[] bytes, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Lora4jException("cli", name + " is not valid UTF-8 text: save it as UTF-8 (or pass a data file with --format)");
        }
    }

    private static Lora4jException tooLarge(String name, long size) {
        return new Lora4jException("cli", name + " holds " + (size > MAX_BYTES ? "more than " + (MAX_BYTES >> 20) + " MiB" : size + " bytes")
                + ", too much for one dialogue: for many dialogues pass a data file (.jsonl, .csv, .json or --format)");
    }
}
