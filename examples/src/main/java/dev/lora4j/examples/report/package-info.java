/**
 * Run reports for the CLI: progress display while training and generating ({@link
 * dev.lora4j.examples.report.TrainingProgress}, {@link dev.lora4j.examples.report.TaskProgress}), PNG charts
 * of a run's metrics ({@link dev.lora4j.examples.report.TrainingCurves}) and an HTML + JSON report comparing
 * methods ({@link dev.lora4j.examples.report.HtmlReport}).
 */
package dev.lora4j.examples.report;
