package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * SentencePiece's precompiled normalization rules ({@code precompiled_charsmap}): a darts-clone
 * double-array trie whose keys are UTF-8 strings and whose values point at NUL-terminated
 * replacement strings stored after the trie.
 *
 * <p>Blob layout: a little-endian uint32 giving the trie size in bytes, the trie as little-endian
 * uint32 units, then the replacement pool. A unit packs a label (low byte, plus bit 31 on value
 * units), a has-leaf flag (bit 8) and an offset to its children (bits 10..31, shifted by 8 more
 * when bit 9 is set); a node's child for byte {@code b} sits at {@code node ^ offset ^ b}, and a node
 * that ends a key keeps its value in the child at {@code node ^ offset}.
 *
 * <p>Every unit is visited once on load: that rejects a corrupt blob (values outside the pool,
 * replacements that are not UTF-8) with a clear message and decodes every replacement string up
 * front, so lookups on the encode path allocate nothing. Lookups walk the UTF-8 bytes of a Java
 * string's code points directly, so they see exactly the byte sequences sentencepiece sees, and
 * check every index, so even a corrupt trie cannot make them fail or loop. A key that ended inside
 * a character's UTF-8 bytes (no real charsmap has one) would be ignored.
 */
final class PrecompiledCharsMap {
    /** Returned by the prefix searches when no rule matches. */
    static final long NO_MATCH = -1L;

    private final int[] units;
    /** Replacement text by pool offset; null where no key points. */
    private final String[] replacements;
    /** For ASCII chars: whether any rule's key starts with that char. */
    private final boolean[] asciiStartsRule = new boolean[128];
    /** For ASCII chars: the replacement of the one-char rule, or null. */
    private final String[] asciiRule = new String[128];
    /** For ASCII chars: whether a rule's key starts with that char followed by another ASCII char. */
    private final boolean[] asciiPairStartsRule = new boolean[128];

    PrecompiledCharsMap(byte[] blob, String source) {
        if (blob.length < 4) {
            throw corrupt(source, "blob of " + blob.length + " bytes is too short");
        }
        ByteBuffer buffer = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieBytes = Integer.toUnsignedLong(buffer.getInt(0));
        if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.length - 4L) {
            throw corrupt(source, "trie size " + trieBytes + " does not fit the " + blob.length + "-byte blob");
        }
        units = new int[(int) (trieBytes / 4)];
        for (int i = 0; i < units.length; i++) {
            units[i] = buffer.getInt(4 + 4 * i);
        }
        int poolStart = 4 + (int) trieBytes;
        byte[] pool = new byte[blob.length - poolStart];
        System.arraycopy(blob, poolStart, pool, 0, pool.length);
        replacements = new String[pool.length];
        walkAndValidate(pool, source);
    }

    /** The replacement for the one-char rule of an ASCII char, or null when it has none. */
    String asciiReplacement(char c) {
        return asciiRule[c];
    }

    /** Whether any rule's key starts with this ASCII char (so a longest match may span several chars). */
    boolean asciiStartsRule(char c) {
        return asciiStartsRule[c];
    }

    /**
     * Whether the longest rule at an ASCII char followed by an ASCII char (or by nothing) can only be
     * the one-char rule, so {@link #asciiReplacement} answers without a trie walk.
     */
    boolean asciiRuleIsAlone(char c) {
        return !asciiPairStartsRule[c];
    }

    /** The replacement string a packed match result points at. */
    String replacement(long match) {
        return replacements[(int) match];
    }

    /** End index (exclusive, in chars) of a packed match result. */
    static int matchEnd(long match) {
        return (int) (match >>> 32);
    }

    /**
     * sentencepiece's rule: the longest key that is a prefix of {@code text[from, limit)}. Returns
     * {@link #NO_MATCH} or a packed (end index, pool offset) for {@link #matchEnd} and {@link #replacement}.
     */
    long longestPrefix(CharSequence text, int from, int limit) {
        return search(text, from, limit, false);
    }

    /**
     * Hugging Face's rule ({@code spm_precompiled}'s {@code transform}): the shortest key that is a
     * prefix of {@code text[from, limit)}; the caller replaces the whole range with it.
     */
    long shortestPrefix(CharSequence text, int from, int limit) {
        return search(text, from, limit, true);
    }

    private long search(CharSequence text, int from, int limit, boolean stopAtFirst) {
        long best = NO_MATCH;
        int node = offset(units[0]);
        int i = from;
        while (i < limit) {
            char c = text.charAt(i);
            int cp = c;
            int chars = 1;
            if (Character.isHighSurrogate(c) && i + 1 < limit && Character.isLowSurrogate(text.charAt(i + 1))) {
                cp = Character.toCodePoint(c, text.charAt(i + 1));
                chars = 2;
            } else if (Character.isSurrogate(c)) {
                cp = 0xFFFD;
            }
            int byteCount = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            for (int k = 0; k < byteCount; k++) {
                int b = utf8Byte(cp, byteCount, k);
                node ^= b;
                if (node >= units.length) {
                    return best;
                }
                int unit = units[node];
                if (label(unit) != b) {
                    return best;
                }
                node ^= offset(unit);
                if (hasLeaf(unit) && k == byteCount - 1) {
                    best = ((long) (i + chars) << 32) | value(units[node]);
                    if (stopAtFirst) {
                        return best;
                    }
                }
            }
            i += chars;
        }
        return best;
    }

    /** Byte {@code k} of the {@code byteCount}-byte UTF-8 encoding of {@code cp}. */
    private static int utf8Byte(int cp, int byteCount, int k) {
        return switch (byteCount) {
            case 1 -> cp;
            case 2 -> k == 0 ? 0xC0 | (cp >> 6) : 0x80 | (cp & 0x3F);
            case 3 -> k == 0 ? 0xE0 | (cp >> 12) : k == 1 ? 0x80 | ((cp >> 6) & 0x3F) : 0x80 | (cp & 0x3F);
            default -> k == 0 ? 0xF0 | (cp >> 18)
                    : k == 1 ? 0x80 | ((cp >> 12) & 0x3F)
                    : k == 2 ? 0x80 | ((cp >> 6) & 0x3F)
                    : 0x80 | (cp & 0x3F);
        };
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private static int label(int unit) {
        return unit & ((1 << 31) | 0xFF);
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int value(int unit) {
        return unit & 0x7FFFFFFF;
    }

    /**
     * Visits every unit reachable from the root once (darts-clone shares suffix subtrees, so the
     * trie is a DAG and a unit may have several parents): checks that every leaf's value points into
     * the pool and decodes each replacement once. The visited set also stops a corrupt, cyclic blob.
     */
    private void walkAndValidate(byte[] pool, String source) {
        boolean[] visited = new boolean[units.length];
        IntList stack = new IntList(1024);
        stack.add(0);
        visited[0] = true;
        while (stack.size() > 0) {
            int node = stack.get(stack.size() - 1);
            stack.removeLast();
            int base = node ^ offset(units[node]);
            if (node != 0 && hasLeaf(units[node])) {
                recordReplacement(base, pool, source);
            }
            for (int b = 1; b < 256; b++) {
                int child = base ^ b;
                if (child < units.length && label(units[child]) == b) {
                    if (node == 0 && b < 128) {
                        asciiStartsRule[b] = true;
                        int grandchildren = child ^ offset(units[child]);
                        for (int next = 1; next < 128; next++) {
                            int g = grandchildren ^ next;
                            if (g < units.length && label(units[g]) == next) {
                                asciiPairStartsRule[b] = true;
                            }
                        }
                        if (hasLeaf(units[child])) {
                            int leaf = child ^ offset(units[child]);
                            recordReplacement(leaf, pool, source);
                            asciiRule[b] = replacements[value(units[leaf])];
                        }
                    }
                    if (!visited[child]) {
                        visited[child] = true;
                        stack.add(child);
                    }
                }
            }
        }
    }

    private void recordReplacement(int leafIndex, byte[] pool, String source) {
        if (leafIndex >= units.length) {
            throw corrupt(source, "leaf index " + leafIndex + " is outside the trie");
        }
        int start = value(units[leafIndex]);
        if (start >= pool.length) {
            throw corrupt(source, "replacement offset " + start + " is outside the " + pool.length + "-byte pool");
        }
        if (replacements[start] == null) {
            int end = start;
            while (end < pool.length && pool[end] != 0) {
                end++;
            }
            replacements[start] = decodeUtf8(pool, start, end - start, source, "a replacement");
        }
    }

    private static String decodeUtf8(byte[] bytes, int offset, int length, String source, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw corrupt(source, what + " is not valid UTF-8");
        }
    }

    private static Lora4jException corrupt(String source, String detail) {
        return new Lora4jException("tokenizer.load", source + ": precompiled_charsmap is corrupt: " + detail);
    }
}
