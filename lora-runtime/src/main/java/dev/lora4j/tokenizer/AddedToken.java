package dev.lora4j.tokenizer;

/**
 * A token matched in the raw text before the model sees it, such as {@code </s>} or
 * {@code <extra_id_0>}; the fields mean what they mean in {@code tokenizer.json}'s "added_tokens".
 *
 * @param lstrip the match also swallows the whitespace before it
 * @param rstrip the match also swallows the whitespace after it
 * @param singleWord the token only matches when not inside a word
 * @param normalized the token is matched in the normalized text rather than the raw text
 * @param special decoding with {@code skipSpecialTokens} drops it
 */
record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
        boolean normalized, boolean special) {

    static AddedToken special(int id, String content) {
        return new AddedToken(id, content, false, false, false, false, true);
    }
}
