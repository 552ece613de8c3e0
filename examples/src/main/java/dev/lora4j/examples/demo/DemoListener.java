package dev.lora4j.examples.demo;

import dev.lora4j.train.Trainer;

/**
 * Progress of a demo run, for progress bars. Every method is called on the thread running the
 * pipeline; an exception thrown here stops the run.
 */
public interface DemoListener {
    /**
     * A stage begins.
     *
     * @param work optimizer steps (training stages), examples (evaluation stages) or examples to generate (data)
     */
    default void stageStarted(DemoStage stage, int work) {}

    /** One optimizer step of PRETRAIN or FINETUNE is done. */
    default void trainingStep(DemoStage stage, Trainer.StepMetrics metrics) {}

    /** In EVAL_BEFORE or EVAL_AFTER, done of the test examples are summarised. */
    default void evaluated(DemoStage stage, int done, int total) {}

    default void stageFinished(DemoStage stage, StageTiming timing) {}

    DemoListener NONE = new DemoListener() {};
}
