package dev.lora4j.tokenizer;

/** Which end of a sequence truncation removes from, or padding is added to. */
public enum Side {
    /** The start of the sequence. */
    LEFT,
    /** The end of the sequence. */
    RIGHT
}
