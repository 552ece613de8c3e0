package dev.lora4j.examples;

import dev.lora4j.summarize.SummaryEvaluation;

/**
 * One evaluated method for a comparison report: its summaries and scores, and what it cost.
 *
 * @param trainable    e.g. "0.34 M (0.44%)", or "-" for a model that was not trained
 * @param trainingTime e.g. "3 min 12 s", or "-"
 */
record MethodRun(SummaryEvaluation evaluation, String description, String trainable, String trainingTime) {}
