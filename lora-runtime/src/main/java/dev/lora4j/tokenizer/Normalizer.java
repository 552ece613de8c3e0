package dev.lora4j.tokenizer;

/** One step of a Hugging Face normalizer chain ({@code tokenizer.json} "normalizer"). */
interface Normalizer {
    /** Returns the normalized text; implementations may return the input itself when nothing changes. */
    String normalize(String text);

    /**
     * Given that the first {@code count} chars of {@code text} stem from the input's first character,
     * how many leading chars of {@code normalize(text)} still do. tokenizers tracks where every
     * normalized char came from, and Metaspace's {@code prepend_scheme: "first"} treats a word as
     * the input's start exactly when its first char stems from the input's first character; this
     * is the part of that bookkeeping the prepend decision needs. Returns 0 once that character is
     * gone.
     */
    int charsFromFirstInputChar(String text, int count);
}
