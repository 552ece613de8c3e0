package dev.lora4j.tokenizer;

/**
 * Text split into words: one char buffer plus (start, end, origin) triples, so pre-tokenizers can
 * re-split without allocating a String per word. A word's origin count says how many of its
 * leading chars stem from the input's first character; Metaspace's {@code prepend_scheme: "first"}
 * treats the words where it is positive as the start of the input.
 */
final class PreTokenizedText {

    final StringBuilder text = new StringBuilder(256);
    final IntList words = new IntList(192);

    void clear() {
        text.setLength(0);
        words.clear();
    }

    void addWord(int start, int end, int charsFromFirstInputChar) {
        if (end > start) {
            words.add(start);
            words.add(end);
            words.add(Math.max(0, charsFromFirstInputChar));
        }
    }

    int wordCount() {
        return words.size() / 3;
    }

    int start(int word) {
        return words.get(3 * word);
    }

    int end(int word) {
        return words.get(3 * word + 1);
    }

    int charsFromFirstInputChar(int word) {
        return words.get(3 * word + 2);
    }
}
