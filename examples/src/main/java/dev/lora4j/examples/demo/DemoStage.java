package dev.lora4j.examples.demo;

/** The stages of a demo run, in order. */
public enum DemoStage {
    /** Generating the synthetic dialogues and tokenizing them. */
    DATA,
    /** Full training of the fresh model on span corruption (skipped when the base comes from the cache). */
    PRETRAIN,
    /** Summarising the test split with the pretrained model alone. */
    EVAL_BEFORE,
    /** LoRA training on the training split's summaries. */
    FINETUNE,
    /** Summarising the test split with the adapter. */
    EVAL_AFTER
}
