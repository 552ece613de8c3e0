package dev.lora4j.tokenizer;

/** Which end of a sequence truncation removes from, or padding is added to. */
public enum Side {
    LEFT,
    RIGHT
}
