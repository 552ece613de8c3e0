package dev.lora4j.tokenizer;

/**
 * Scratch arrays for one Viterbi pass, indexed by char position in the text being segmented.
 * One workspace serves a whole {@code encode} call (every word of it) and is never shared between
 * threads, so the tokenizers themselves stay immutable.
 */
final class ViterbiWorkspace {
    /** Best path score ending at each position (Hugging Face keeps doubles). */
    double[] scoreDouble = new double[0];
    /** Best path score ending at each position (sentencepiece keeps floats). */
    float[] scoreFloat = new float[0];
    /** Where the last piece of the best path ending here starts; -1 while no path reaches here. */
    int[] start = new int[0];
    /** The id of that last piece. */
    int[] id = new int[0];
    /** Piece boundaries collected while backtracking. */
    final IntList path = new IntList(256);
    /** The text being segmented, copied out of its builder so the hot loop reads a plain array. */
    char[] chars = new char[256];

    /** Copies {@code text[from, to)} into {@link #chars} (from index 0) and returns that array. */
    char[] copy(CharSequence text, int from, int to) {
        int length = to - from;
        if (chars.length < length) {
            chars = new char[Math.max(length, chars.length * 2)];
        }
        if (text instanceof String s) {
            s.getChars(from, to, chars, 0);
        } else if (text instanceof StringBuilder sb) {
            sb.getChars(from, to, chars, 0);
        } else {
            for (int i = from; i < to; i++) {
                chars[i - from] = text.charAt(i);
            }
        }
        return chars;
    }

    void ensureCapacity(int positions) {
        if (start.length < positions) {
            int capacity = Math.max(positions, start.length * 2);
            scoreDouble = new double[capacity];
            scoreFloat = new float[capacity];
            start = new int[capacity];
            id = new int[capacity];
        }
    }
}
