package dev.lora4j.tokenizer;

/**
 * Text split into words: one char buffer plus (start, end, flags) triples, so pre-tokenizers can
 * re-split without allocating a String per word. The flag marks the word that starts the input,
 * which Metaspace's {@code prepend_scheme: "first"} needs.
 */
final class PreTokenizedText {
    static final int STARTS_INPUT = 1;

    final StringBuilder text = new StringBuilder(256);
    final IntList words = new IntList(192);

    void clear() {
        text.setLength(0);
        words.clear();
    }

    void addWord(int start, int end, boolean startsInput) {
        if (end > start) {
            words.add(start);
            words.add(end);
            words.add(startsInput ? STARTS_INPUT : 0);
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

    boolean startsInput(int word) {
        return (words.get(3 * word + 2) & STARTS_INPUT) != 0;
    }
}
