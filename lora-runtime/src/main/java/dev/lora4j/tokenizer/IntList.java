package dev.lora4j.tokenizer;

import java.util.Arrays;

/** A growable list of primitive ints: the encode hot path collects ids here without boxing. */
final class IntList {
    private int[] values;
    private int size;

    IntList() {
        this(64);
    }

    IntList(int capacity) {
        values = new int[Math.max(4, capacity)];
    }

    void add(int value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = value;
    }

    void addAll(int[] more) {
        ensureCapacity(size + more.length);
        System.arraycopy(more, 0, values, size, more.length);
        size += more.length;
    }

    int get(int index) {
        return values[index];
    }

    void set(int index, int value) {
        values[index] = value;
    }

    int size() {
        return size;
    }

    void removeLast() {
        size--;
    }

    void clear() {
        size = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }

    private void ensureCapacity(int needed) {
        if (needed > values.length) {
            values = Arrays.copyOf(values, Math.max(needed, values.length * 2));
        }
    }
}
