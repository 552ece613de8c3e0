package dev.lora4j.examples.demo;

/**
 * How long a stage took: wall-clock seconds, and the process's CPU seconds over the same interval
 * (every thread, libtorch's included), which stays meaningful when other work shares the machine.
 *
 * @param work   optimizer steps, or examples summarised
 * @param tokens tokens processed (source + target tokens for training; generated tokens for evaluation)
 */
public record StageTiming(DemoStage stage, double wallSeconds, double cpuSeconds, long work, long tokens) {

    public double tokensPerSecond() {
        return wallSeconds > 0 ? tokens / wallSeconds : 0;
    }
}
