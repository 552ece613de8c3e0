package dev.lora4j.train;

import dev.lora4j.Lora4jException;

/**
 * Learning-rate multipliers with linear warmup, as transformers' get_constant_schedule_with_warmup,
 * get_linear_schedule_with_warmup and get_cosine_schedule_with_warmup compute them: optimizer step k
 * (counting from 0) runs at base_lr × factor(k).
 */
public enum LrSchedule {
    /** After warmup, the base learning rate throughout. */
    CONSTANT,
    /** After warmup, a linear decay to 0 at totalSteps. */
    LINEAR,
    /** After warmup, a half cosine from 1 down to 0 at totalSteps. */
    COSINE;

    /**
     * The multiplier of the base learning rate at one optimizer step.
     *
     * @param step        the optimizer step, counted from 0
     * @param warmupSteps the steps of linear warmup from 0 (0 for none)
     * @param totalSteps  the run's length in optimizer steps
     * @return the factor, in [0, 1]
     */
    public double factor(long step, long warmupSteps, long totalSteps) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        return switch (this) {
            case CONSTANT -> 1.0;
            case LINEAR -> Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            case COSINE -> {
                double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
                yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            }
        };
    }

    /**
     * The schedule named "constant", "linear" or "cosine", in any case.
     *
     * @param name the schedule's name, surrounding blanks ignored
     * @return the schedule
     * @throws Lora4jException for any other name
     */
    public static LrSchedule parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Lora4jException("schedule", "unknown learning-rate schedule \"" + name + "\" (constant, linear, cosine)");
        }
    }
}
