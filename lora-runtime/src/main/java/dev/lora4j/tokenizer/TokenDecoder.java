package dev.lora4j.tokenizer;

import java.util.List;

/** One Hugging Face decoder step: token strings in, token strings out ({@code decode_chain}). */
interface TokenDecoder {
    List<String> decodeChain(List<String> tokens);
}
