package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the protocol-buffers wire format (varints, fixed32/64, length-delimited fields) from a byte
 * array, just enough to load a SentencePiece {@code ModelProto} without a protobuf dependency.
 *
 * <p>Every length is checked against the bytes that remain before anything is allocated, so a
 * truncated or corrupt file fails with a {@link Lora4jException} that names the byte offset, never
 * with an out-of-memory error or an endless loop.
 */
final class ProtobufReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] data;
    private final int end;
    private final String source;
    private int position;

    ProtobufReader(byte[] data, String source) {
        this(data, 0, data.length, source);
    }

    private ProtobufReader(byte[] data, int start, int end, String source) {
        this.data = data;
        this.position = start;
        this.end = end;
        this.source = source;
    }

    boolean hasMore() {
        return position < end;
    }

    /** Reads a field key; returns it whole (field number in the high bits, wire type in the low 3). */
    int readTag() {
        int at = position;
        long tag = readVarint();
        int field = (int) (tag >>> 3);
        if (tag >>> 3 > Integer.MAX_VALUE || field == 0) {
            throw malformed("invalid field number " + (tag >>> 3) + " at byte " + at);
        }
        int wireType = (int) (tag & 7);
        if (wireType != VARINT && wireType != FIXED64 && wireType != LENGTH_DELIMITED && wireType != FIXED32) {
            throw malformed("unsupported wire type " + wireType + " for field " + field + " at byte " + at);
        }
        return (int) tag;
    }

    static int fieldNumber(int tag) {
        return tag >>> 3;
    }

    static int wireType(int tag) {
        return tag & 7;
    }

    long readVarint() {
        int at = position;
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= end) {
                throw malformed("truncated varint at byte " + at);
            }
            byte b = data[position++];
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw malformed("varint longer than 10 bytes at byte " + at);
    }

    /** Reads a varint-encoded int32; protobuf writes negative int32 values as 10-byte varints. */
    int readInt32() {
        return (int) readVarint();
    }

    boolean readBool() {
        return readVarint() != 0;
    }

    float readFloat() {
        requireRemaining(4, "fixed32");
        int bits = (data[position] & 0xFF)
                | (data[position + 1] & 0xFF) << 8
                | (data[position + 2] & 0xFF) << 16
                | (data[position + 3] & 0xFF) << 24;
        position += 4;
        return Float.intBitsToFloat(bits);
    }

    byte[] readBytes() {
        int length = readLength();
        byte[] out = new byte[length];
        System.arraycopy(data, position, out, 0, length);
        position += length;
        return out;
    }

    String readString() {
        int length = readLength();
        String s = new String(data, position, length, StandardCharsets.UTF_8);
        position += length;
        return s;
    }

    /** A reader over the next length-delimited field, which this reader then skips. */
    ProtobufReader readMessage() {
        int length = readLength();
        ProtobufReader sub = new ProtobufReader(data, position, position + length, source);
        position += length;
        return sub;
    }

    void skipField(int tag) {
        switch (wireType(tag)) {
            case VARINT -> readVarint();
            case FIXED64 -> skip(8, "fixed64");
            case FIXED32 -> skip(4, "fixed32");
            case LENGTH_DELIMITED -> {
                int length = readLength(); // read first: "position += readLength()" would drop the length bytes
                position += length;
            }
            default -> throw malformed("unsupported wire type " + wireType(tag));
        }
    }

    /** Fails unless a field arrived with the wire type its schema declares. */
    void expectWireType(int tag, int expected, String fieldName) {
        if (wireType(tag) != expected) {
            throw malformed("field " + fieldName + " has wire type " + wireType(tag) + ", expected " + expected);
        }
    }

    Lora4jException malformed(String detail) {
        return new Lora4jException("tokenizer.load", source + " is not a valid SentencePiece model: " + detail);
    }

    private int readLength() {
        int at = position;
        long length = readVarint();
        if (length < 0 || length > end - position) {
            throw malformed("length " + length + " at byte " + at + " exceeds the " + (end - position)
                    + " bytes that remain (file truncated or corrupt)");
        }
        return (int) length;
    }

    private void skip(int count, String what) {
        requireRemaining(count, what);
        position += count;
    }

    private void requireRemaining(int count, String what) {
        if (end - position < count) {
            throw malformed("truncated " + what + " at byte " + position);
        }
    }
}
