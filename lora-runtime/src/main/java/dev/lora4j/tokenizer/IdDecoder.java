package dev.lora4j.tokenizer;

/** Ids to text, before transformers' clean-up: one of the two decoders behind {@link T5Tokenizer}. */
interface IdDecoder {
    String decode(int[] ids, boolean skipSpecialTokens);
}
