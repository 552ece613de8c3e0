package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The parts of a SentencePiece {@code ModelProto} (the {@code spiece.model} file) that encoding and
 * decoding need, read with {@link ProtobufReader}. Field numbers follow sentencepiece_model.proto.
 *
 * <p>Only unigram models are accepted; options this library does not implement
 * ({@code treat_whitespace_as_suffix}, a denormalizer) are rejected with a clear message rather than
 * silently ignored.
 */
record SentencePieceModelFile(
        List<Piece> pieces,
        boolean byteFallback,
        String unkSurface,
        NormalizerSpec normalizer) {

    /** Piece types of {@code ModelProto.SentencePiece.Type}. */
    enum PieceType {
        NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

        static PieceType fromProto(int value) {
            return switch (value) {
                case 1 -> NORMAL;
                case 2 -> UNKNOWN;
                case 3 -> CONTROL;
                case 4 -> USER_DEFINED;
                case 5 -> UNUSED;
                case 6 -> BYTE;
                default -> null;
            };
        }
    }

    record Piece(String text, float score, PieceType type) {}

    /** {@code NormalizerSpec}: the charsmap plus the three whitespace switches (all default true). */
    record NormalizerSpec(
            String name,
            byte[] precompiledCharsmap,
            boolean addDummyPrefix,
            boolean removeExtraWhitespaces,
            boolean escapeWhitespaces) {}

    private static final int MODEL_TYPE_UNIGRAM = 1;
    private static final String DEFAULT_UNK_SURFACE = " \u2047 ";

    static SentencePieceModelFile parse(byte[] data, String source) {
        ProtobufReader in = new ProtobufReader(data, source);
        List<Piece> pieces = new ArrayList<>();
        int modelType = MODEL_TYPE_UNIGRAM;
        boolean byteFallback = false;
        boolean whitespaceAsSuffix = false;
        String unkSurface = DEFAULT_UNK_SURFACE;
        NormalizerSpec normalizer = null;
        boolean hasTrainerSpec = false;
        boolean hasDenormalizer = false;
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 1 -> {
                    in.expectWireType(tag, ProtobufReader.LENGTH_DELIMITED, "pieces");
                    pieces.add(readPiece(in.readMessage(), pieces.size(), in));
                }
                case 2 -> {
                    in.expectWireType(tag, ProtobufReader.LENGTH_DELIMITED, "trainer_spec");
                    hasTrainerSpec = true;
                    ProtobufReader spec = in.readMessage();
                    while (spec.hasMore()) {
                        int t = spec.readTag();
                        switch (ProtobufReader.fieldNumber(t)) {
                            case 3 -> {
                                spec.expectWireType(t, ProtobufReader.VARINT, "trainer_spec.model_type");
                                modelType = spec.readInt32();
                            }
                            case 24 -> {
                                spec.expectWireType(t, ProtobufReader.VARINT, "trainer_spec.treat_whitespace_as_suffix");
                                whitespaceAsSuffix = spec.readBool();
                            }
                            case 35 -> {
                                spec.expectWireType(t, ProtobufReader.VARINT, "trainer_spec.byte_fallback");
                                byteFallback = spec.readBool();
                            }
                            case 44 -> {
                                spec.expectWireType(t, ProtobufReader.LENGTH_DELIMITED, "trainer_spec.unk_surface");
                                unkSurface = spec.readString();
                            }
                            default -> spec.skipField(t);
                        }
                    }
                }
                case 3 -> {
                    in.expectWireType(tag, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec");
                    normalizer = readNormalizerSpec(in.readMessage());
                }
                case 5 -> {
                    in.expectWireType(tag, ProtobufReader.LENGTH_DELIMITED, "denormalizer_spec");
                    hasDenormalizer = readNormalizerSpec(in.readMessage()).precompiledCharsmap().length > 0;
                }
                default -> in.skipField(tag);
            }
        }
        if (modelType != MODEL_TYPE_UNIGRAM) {
            String name = switch (modelType) {
                case 2 -> "BPE";
                case 3 -> "WORD";
                case 4 -> "CHAR";
                default -> "type " + modelType;
            };
            throw new Lora4jException("tokenizer.load", source + " is a SentencePiece " + name
                    + " model; only UNIGRAM models (T5's) are supported");
        }
        if (pieces.isEmpty()) {
            throw in.malformed("it has no pieces");
        }
        // sentencepiece always writes both specs after the pieces, so a file cut short loses them.
        if (!hasTrainerSpec || normalizer == null) {
            throw in.malformed("it has no " + (hasTrainerSpec ? "normalizer_spec" : "trainer_spec")
                    + " (is the file truncated?)");
        }
        if (whitespaceAsSuffix) {
            throw new Lora4jException("tokenizer.load", source
                    + " sets treat_whitespace_as_suffix, which this tokenizer does not implement");
        }
        if (hasDenormalizer) {
            throw new Lora4jException("tokenizer.load", source
                    + " has a denormalizer_spec charsmap, which this tokenizer does not implement");
        }
        validatePieces(pieces, source);
        return new SentencePieceModelFile(List.copyOf(pieces), byteFallback, unkSurface, normalizer);
    }

    private static Piece readPiece(ProtobufReader in, int index, ProtobufReader parent) {
        String text = null;
        float score = 0f;
        PieceType type = PieceType.NORMAL;
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 1 -> {
                    in.expectWireType(tag, ProtobufReader.LENGTH_DELIMITED, "pieces.piece");
                    text = in.readString();
                }
                case 2 -> {
                    in.expectWireType(tag, ProtobufReader.FIXED32, "pieces.score");
                    score = in.readFloat();
                }
                case 3 -> {
                    in.expectWireType(tag, ProtobufReader.VARINT, "pieces.type");
                    int value = in.readInt32();
                    type = PieceType.fromProto(value);
                    if (type == null) {
                        throw parent.malformed("piece " + index + " has unknown type " + value);
                    }
                }
                default -> in.skipField(tag);
            }
        }
        if (text == null || text.isEmpty()) {
            throw parent.malformed("piece " + index + " is empty");
        }
        if (Float.isNaN(score)) {
            throw parent.malformed("piece " + index + " has a NaN score");
        }
        return new Piece(text, score, type);
    }

    private static NormalizerSpec readNormalizerSpec(ProtobufReader in) {
        String name = "";
        byte[] charsmap = new byte[0];
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 1 -> {
                    in.expectWireType(tag, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec.name");
                    name = in.readString();
                }
                case 2 -> {
                    in.expectWireType(tag, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec.precompiled_charsmap");
                    charsmap = in.readBytes();
                }
                case 3 -> {
                    in.expectWireType(tag, ProtobufReader.VARINT, "normalizer_spec.add_dummy_prefix");
                    addDummyPrefix = in.readBool();
                }
                case 4 -> {
                    in.expectWireType(tag, ProtobufReader.VARINT, "normalizer_spec.remove_extra_whitespaces");
                    removeExtraWhitespaces = in.readBool();
                }
                case 5 -> {
                    in.expectWireType(tag, ProtobufReader.VARINT, "normalizer_spec.escape_whitespaces");
                    escapeWhitespaces = in.readBool();
                }
                default -> in.skipField(tag);
            }
        }
        return new NormalizerSpec(name, charsmap, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }

    private static void validatePieces(List<Piece> pieces, String source) {
        Set<String> seen = new HashSet<>();
        int unknownCount = 0;
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (!seen.add(p.text())) {
                throw new Lora4jException("tokenizer.load", source + ": piece " + i + " '" + p.text()
                        + "' is defined twice");
            }
            if (p.type() == PieceType.UNKNOWN) {
                unknownCount++;
            }
            if (p.type() == PieceType.BYTE && ByteFallback.byteOfPiece(p.text()) < 0) {
                throw new Lora4jException("tokenizer.load", source + ": byte piece " + i + " '" + p.text()
                        + "' is not of the form <0xXX>");
            }
        }
        if (unknownCount != 1) {
            throw new Lora4jException("tokenizer.load", source + " must define exactly one UNKNOWN piece, found "
                    + unknownCount);
        }
    }
}
