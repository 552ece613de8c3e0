package dev.lora4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An immutable trie over the UTF-16 chars of vocabulary pieces, laid out in flat arrays so a
 * Viterbi step costs one array read for the first char and a short scan per later char, with no
 * allocation and no boxing.
 *
 * <p>Node 0 is the root. The children of node {@code n} are the edges
 * {@code edgeStart[n] .. edgeStart[n + 1]}, sorted by label. The root's children are also indexed
 * by char in {@code rootChild} because nearly every lookup starts there.
 */
final class PieceTrie {
    /** Returned by {@link #child} when there is no such edge. */
    static final int NONE = 0;

    private final int[] rootChild = new int[65536];
    private final int[] edgeStart;
    private final char[] edgeLabel;
    private final int[] edgeTarget;
    /** The id a node's path spells, or -1. */
    private final int[] value;

    /** Builds a trie mapping each key to its value; keys must be distinct and non-empty. */
    PieceTrie(Map<String, Integer> keys) {
        String[] sorted = keys.keySet().toArray(new String[0]);
        Arrays.sort(sorted);
        int[] values = new int[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            values[i] = keys.get(sorted[i]);
        }
        Builder builder = new Builder(sorted, values);
        builder.build();
        edgeStart = builder.edgeStart.toArray();
        edgeLabel = builder.labels();
        edgeTarget = builder.targets.toArray();
        value = builder.value.toArray();
        for (int e = edgeStart[0]; e < edgeStart[1]; e++) {
            rootChild[edgeLabel[e]] = edgeTarget[e];
        }
    }

    /** The node reached from the root by {@code c}, or {@link #NONE}. */
    int rootChild(char c) {
        return rootChild[c];
    }

    /** The node reached from {@code node} by {@code c}, or {@link #NONE}. */
    int child(int node, char c) {
        int lo = edgeStart[node];
        int hi = edgeStart[node + 1];
        if (hi - lo <= 8) {
            for (int e = lo; e < hi; e++) {
                if (edgeLabel[e] == c) {
                    return edgeTarget[e];
                }
            }
            return NONE;
        }
        hi--;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            char label = edgeLabel[mid];
            if (label < c) {
                lo = mid + 1;
            } else if (label > c) {
                hi = mid - 1;
            } else {
                return edgeTarget[mid];
            }
        }
        return NONE;
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
        if (from >= limit) {
            return 0;
        }
        int node = rootChild[text.charAt(from)];
        int best = 0;
        int pos = from + 1;
        while (node != NONE) {
            if (value[node] >= 0) {
                best = pos - from;
            }
            if (pos == limit) {
                break;
            }
            node = child(node, text.charAt(pos++));
        }
        return best;
    }

    /** The id of the key equal to {@code text[from, to)}, or -1. */
    int exactMatch(CharSequence text, int from, int to) {
        if (from >= to) {
            return -1;
        }
        int node = rootChild[text.charAt(from)];
        for (int pos = from + 1; node != NONE && pos < to; pos++) {
            node = child(node, text.charAt(pos));
        }
        return node == NONE ? -1 : value[node];
    }

    /** Builds the flat arrays depth-first from the sorted keys, one node's edges at a time. */
    private static final class Builder {
        private final String[] keys;
        private final int[] ids;
        private final IntList edgeStart = new IntList(1024);
        private final IntList targets = new IntList(1024);
        private final IntList labelList = new IntList(1024);
        private final IntList value = new IntList(1024);
        private final List<int[]> pending = new ArrayList<>();

        Builder(String[] keys, int[] ids) {
            this.keys = keys;
            this.ids = ids;
        }

        void build() {
            // Node ids are handed out when a node's edges are laid out, so edgeStart stays in node order.
            value.add(-1);
            pending.add(new int[] {0, 0, keys.length, 0});
            for (int next = 0; next < pending.size(); next++) {
                int[] job = pending.get(next);
                layOut(job[0], job[1], job[2], job[3]);
            }
            edgeStart.add(targets.size());
        }

        /** Lays out the edges of {@code node}, whose keys are {@code keys[lo, hi)} sharing {@code depth} chars. */
        private void layOut(int node, int lo, int hi, int depth) {
            edgeStart.add(targets.size());
            int i = lo;
            if (i < hi && keys[i].length() == depth) {
                value.set(node, ids[i]);
                i++;
            }
            while (i < hi) {
                char label = keys[i].charAt(depth);
                int j = i + 1;
                while (j < hi && keys[j].charAt(depth) == label) {
                    j++;
                }
                int child = value.size();
                value.add(-1);
                labelList.add(label);
                targets.add(child);
                pending.add(new int[] {child, i, j, depth + 1});
                i = j;
            }
        }

        char[] labels() {
            char[] out = new char[labelList.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (char) labelList.get(i);
            }
            return out;
        }
    }
}
