package dev.lora4j.t5;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The tokens no_repeat_ngram_size forbids next: with n-gram size n, the last n-1 tokens are the prefix
 * of the n-gram the next token would complete; every earlier n-gram starting with that prefix bans its
 * last token. The row's tokens include the decoder start token, as in transformers.
 */
final class NoRepeatNgram {
    private NoRepeatNgram() {}

    /** Tokens banned after tokens[0, length), in order of first occurrence. */
    static Set<Long> bannedTokens(long[] tokens, int length, int n) {
        Set<Long> banned = new LinkedHashSet<>();
        if (length < n) {
            return banned; // no complete n-gram yet
        }
        int prefixStart = length - (n - 1);
        for (int start = 0; start + n <= length; start++) {
            boolean matches = true;
            for (int i = 0; i < n - 1 && matches; i++) {
                matches = tokens[start + i] == tokens[prefixStart + i];
            }
            if (matches) {
                banned.add(tokens[start + n - 1]);
            }
        }
        return banned;
    }
}
