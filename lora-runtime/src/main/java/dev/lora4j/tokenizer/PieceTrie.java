package dev.lora4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * An immutable double-array trie over the UTF-16 chars of vocabulary pieces: one step of a
 * Viterbi walk is two array reads ({@code next = base[node] + code(c)}, valid when
 * {@code check[next] == node}), with no allocation, no hashing and no boxing.
 *
 * <p>Chars are first mapped to dense codes 1..A (A = the number of distinct chars in the keys), so
 * the arrays stay small even though a char can be any of 65,536 values; a char that no key contains
 * has code 0 and ends a walk at once. Node 0 is the root.
 */
final class PieceTrie {
    /** Returned by {@link #child} and {@link #rootChild} when there is no such edge. */
    static final int NONE = 0;

    private final int[] codeOfChar = new int[65536];
    private final int[] base;
    private final int[] check;
    /** The id a node's path spells, or -1. */
    private final int[] value;

    /** Builds a trie mapping each key to its value; keys must be non-empty (empty ones are ignored). */
    PieceTrie(Map<String, Integer> keys) {
        String[] sorted = keys.keySet().stream().filter(k -> !k.isEmpty()).sorted().toArray(String[]::new);
        int alphabet = 0;
        for (String key : sorted) {
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (codeOfChar[c] == 0) {
                    codeOfChar[c] = ++alphabet;
                }
            }
        }
        Builder builder = new Builder(sorted, keys, codeOfChar);
        builder.build();
        base = Arrays.copyOf(builder.base, builder.size);
        check = Arrays.copyOf(builder.check, builder.size);
        value = Arrays.copyOf(builder.value, builder.size);
    }

    /** The node reached from the root by {@code c}, or {@link #NONE}. */
    int rootChild(char c) {
        return child(0, c);
    }

    /** The node reached from {@code node} by {@code c}, or {@link #NONE}. */
    int child(int node, char c) {
        int code = codeOfChar[c];
        if (code == 0) {
            return NONE;
        }
        int next = base[node] + code;
        return next < check.length && check[next] == node ? next : NONE;
    }

    /** The id whose key ends at this node, or -1. */
    int value(int node) {
        return value[node];
    }

    /**
     * The longest key that is a prefix of {@code text[from, limit)}: returns its length in chars
     * (0 when none matches).
     */
    int longestPrefixLength(CharSequence text, int from, int limit) {
        int best = 0;
        int node = 0;
        for (int pos = from; pos < limit; pos++) {
            node = child(node, text.charAt(pos));
            if (node == NONE) {
                break;
            }
            if (value[node] >= 0) {
                best = pos + 1 - from;
            }
        }
        return best;
    }

    /** The id of the key equal to {@code text[from, to)}, or -1. */
    int exactMatch(CharSequence text, int from, int to) {
        if (from >= to) {
            return -1;
        }
        int node = 0;
        for (int pos = from; pos < to; pos++) {
            node = child(node, text.charAt(pos));
            if (node == NONE) {
                return -1;
            }
        }
        return value[node];
    }

    /**
     * Places nodes breadth-first: each node's children need free slots at {@code base + code} for
     * all their codes, found by a first-fit scan from the lowest free slot.
     */
    private static final class Builder {
        private final String[] keys;
        private final Map<String, Integer> ids;
        private final int[] codeOfChar;
        int[] base = new int[1024];
        int[] check = new int[1024];
        int[] value = new int[1024];
        int size = 1;
        private final BitSet used = new BitSet();
        private int firstFree = 1;

        Builder(String[] keys, Map<String, Integer> ids, int[] codeOfChar) {
            this.keys = keys;
            this.ids = ids;
            this.codeOfChar = codeOfChar;
        }

        /** A node still to place: its slot and the keys {@code [lo, hi)} that share its {@code depth} chars. */
        private record Pending(int slot, int lo, int hi, int depth) {}

        void build() {
            Arrays.fill(check, -1);
            Arrays.fill(value, -1);
            used.set(0);
            check[0] = -2; // the root has no parent
            List<Pending> queue = new ArrayList<>();
            queue.add(new Pending(0, 0, keys.length, 0));
            for (int next = 0; next < queue.size(); next++) {
                Pending node = queue.get(next);
                int i = node.lo();
                if (i < node.hi() && keys[i].length() == node.depth()) {
                    value[node.slot()] = ids.get(keys[i]);
                    i++;
                }
                // The children: one per distinct char at this depth (keys are sorted, so they are runs).
                List<int[]> children = new ArrayList<>(); // {code, lo, hi}
                while (i < node.hi()) {
                    char c = keys[i].charAt(node.depth());
                    int j = i + 1;
                    while (j < node.hi() && keys[j].charAt(node.depth()) == c) {
                        j++;
                    }
                    children.add(new int[] {codeOfChar[c], i, j});
                    i = j;
                }
                if (children.isEmpty()) {
                    continue;
                }
                int b = findBase(children);
                base[node.slot()] = b;
                for (int[] child : children) {
                    int slot = b + child[0];
                    ensure(slot + 1);
                    used.set(slot);
                    check[slot] = node.slot();
                    queue.add(new Pending(slot, child[1], child[2], node.depth() + 1));
                }
                while (used.get(firstFree)) {
                    firstFree++;
                }
                queue.set(next, null); // let the builder's memory go as it proceeds
            }
        }

        private int findBase(List<int[]> children) {
            int firstCode = children.get(0)[0];
            for (int b = Math.max(0, firstFree - firstCode); ; b++) {
                boolean fits = true;
                for (int[] child : children) {
                    if (used.get(b + child[0])) {
                        fits = false;
                        break;
                    }
                }
                if (fits) {
                    return b;
                }
            }
        }

        private void ensure(int needed) {
            if (needed > size) {
                size = needed;
            }
            if (needed > check.length) {
                int capacity = Math.max(needed, check.length * 2);
                int old = check.length;
                base = Arrays.copyOf(base, capacity);
                check = Arrays.copyOf(check, capacity);
                value = Arrays.copyOf(value, capacity);
                Arrays.fill(check, old, capacity, -1);
                Arrays.fill(value, old, capacity, -1);
            }
        }
    }
}
