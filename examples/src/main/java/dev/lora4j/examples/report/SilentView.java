package dev.lora4j.examples.report;

/** {@link ProgressMode#OFF}: shows nothing. */
final class SilentView implements ProgressView {
    @Override
    public void update(long current, String extra) {}

    @Override
    public void println(String line) {}

    @Override
    public void close() {}
}
