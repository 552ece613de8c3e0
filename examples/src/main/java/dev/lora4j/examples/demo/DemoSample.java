package dev.lora4j.examples.demo;

/** One test dialogue with its reference and the summaries before and after fine-tuning. */
public record DemoSample(String id, String dialogue, String reference, String before, String after) {}
