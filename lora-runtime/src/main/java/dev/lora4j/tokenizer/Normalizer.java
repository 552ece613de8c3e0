package dev.lora4j.tokenizer;

/** One step of a Hugging Face normalizer chain ({@code tokenizer.json} "normalizer"). */
interface Normalizer {
    /** Returns the normalized text; implementations may return the input itself when nothing changes. */
    String normalize(String text);
}
