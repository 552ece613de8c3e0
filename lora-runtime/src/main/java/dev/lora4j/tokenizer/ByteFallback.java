package dev.lora4j.tokenizer;

/** The {@code <0xXX>} byte pieces that byte-fallback vocabularies use for characters they lack. */
final class ByteFallback {
    private ByteFallback() {}

    private static final String[] PIECES = new String[256];

    static {
        for (int b = 0; b < 256; b++) {
            PIECES[b] = String.format("<0x%02X>", b);
        }
    }

    static String pieceOfByte(int b) {
        return PIECES[b & 0xFF];
    }

    /** The byte a {@code <0xXX>} piece stands for (upper-case hex, as sentencepiece writes it), or -1. */
    static int byteOfPiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = hexDigit(piece.charAt(3));
        int lo = hexDigit(piece.charAt(4));
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
