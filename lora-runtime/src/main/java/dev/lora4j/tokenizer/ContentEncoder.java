package dev.lora4j.tokenizer;

/** Text to ids, before special tokens are added: one of the two pipelines behind {@link T5Tokenizer}. */
interface ContentEncoder {
    void encode(String text, EncodeWorkspace ws, IntList out);
}
