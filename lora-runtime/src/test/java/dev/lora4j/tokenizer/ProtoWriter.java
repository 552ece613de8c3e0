package dev.lora4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes protobuf wire format, to build small and broken SentencePiece models in tests. */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long value) {
        tag(field, 0);
        rawVarint(value);
        return this;
    }

    ProtoWriter fixed32(int field, float value) {
        tag(field, 5);
        int bits = Float.floatToIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    ProtoWriter bytes(int field, byte[] value) {
        tag(field, 2);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** A ModelProto.SentencePiece: type 1 NORMAL, 2 UNKNOWN, 3 CONTROL, 4 USER_DEFINED, 5 UNUSED, 6 BYTE. */
    ProtoWriter piece(String text, float score, int type) {
        return message(1, new ProtoWriter().string(1, text).fixed32(2, score).varint(3, type));
    }

    ProtoWriter rawVarint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    /** A tiny valid unigram model: <pad>, </s>, <unk>, ▁, a, b, ab, ▁a; no charsmap. */
    static ProtoWriter tinyModel() {
        return new ProtoWriter()
                .piece("<pad>", 0f, 3).piece("</s>", 0f, 3).piece("<unk>", 0f, 2)
                .piece("\u2581", -1f, 1).piece("a", -2f, 1).piece("b", -2f, 1).piece("ab", -1.5f, 1)
                .piece("\u2581a", -1.2f, 1);
    }

    static ProtoWriter trainerSpec(int modelType) {
        return new ProtoWriter().varint(3, modelType);
    }

    static ProtoWriter normalizerSpec() {
        return new ProtoWriter().string(1, "identity").varint(3, 1).varint(4, 1).varint(5, 1);
    }

    /** {@link #tinyModel()} with its trainer and normalizer specs: loads fine. */
    static byte[] validTinyModel() {
        return tinyModel().message(2, trainerSpec(1)).message(3, normalizerSpec()).toByteArray();
    }
}
