package dev.lora4j.tokenizer;

/**
 * All scratch state of an encode call. Each thread reuses its own (so a steady stream of encodes
 * allocates little beyond the returned ids), and the tokenizers themselves hold no mutable state.
 */
final class EncodeWorkspace {
    /** Buffers grown past this many positions by one huge text are dropped rather than kept per thread. */
    private static final int MAX_RETAINED_CAPACITY = 1 << 20;
    private static final ThreadLocal<EncodeWorkspace> PER_THREAD = ThreadLocal.withInitial(EncodeWorkspace::new);

    /** This thread's workspace; hand it back with {@link #release()} when the call is done. */
    static EncodeWorkspace acquire() {
        return PER_THREAD.get();
    }

    void release() {
        if (viterbi.start.length > MAX_RETAINED_CAPACITY || viterbi.chars.length > MAX_RETAINED_CAPACITY
                || words.text.capacity() > MAX_RETAINED_CAPACITY || spare.text.capacity() > MAX_RETAINED_CAPACITY) {
            PER_THREAD.remove();
        }
    }

    final ViterbiWorkspace viterbi = new ViterbiWorkspace();
    final IntList ids = new IntList(1024);
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
