package dev.lora4j.tokenizer;

/** All scratch state of one encode call; created per call, so tokenizers hold no mutable state. */
final class EncodeWorkspace {
    final ViterbiWorkspace viterbi = new ViterbiWorkspace();
    final IntList segments = new IntList(32);
    final IntList normalizedSegments = new IntList(32);
    PreTokenizedText words = new PreTokenizedText();
    PreTokenizedText spare = new PreTokenizedText();

    /** Swaps the two word buffers after a pre-tokenizer wrote {@link #spare}. */
    void swapWords() {
        PreTokenizedText t = words;
        words = spare;
        spare = t;
    }
}
