package dev.lora4j.data;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a whole data file as strict UTF-8. Dataset files are at most tens of megabytes, so reading them
 * whole keeps the parsers simple. Invalid UTF-8 is an error naming the line, never silently replaced,
 * because a replaced character would quietly change dialogue text and tokenization. A leading byte order
 * mark is dropped.
 */
final class TextFiles {
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private TextFiles() {}

    static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            // A FileSystemException's message repeats the path; its reason alone says what went wrong.
            String reason = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage();
            throw new Lora4jException("data", "cannot read " + file + ": " + reason, e);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer input = ByteBuffer.wrap(bytes);
        CharBuffer output = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(input, output, true);
        if (!result.isError()) {
            result = decoder.flush(output);
        }
        if (result.isError()) {
            throw new Lora4jException("data", RowCollector.location(file, lineOfByte(bytes, input.position()))
                    + ": invalid UTF-8 (byte offset " + input.position() + ")");
        }
        output.flip();
        String text = output.toString();
        return !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? text.substring(1) : text;
    }

    /** The 1-based line holding the byte at {@code offset}. */
    private static long lineOfByte(byte[] bytes, int offset) {
        long line = 1;
        for (int i = 0; i < offset && i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
