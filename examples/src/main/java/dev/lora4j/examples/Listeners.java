package dev.lora4j.examples;

import dev.lora4j.train.Trainer;
import java.nio.file.Path;
import java.util.List;

/** Several trainer listeners as one, called in order. */
record Listeners(List<Trainer.Listener> all) implements Trainer.Listener {
    @Override
    public void onStep(Trainer.StepMetrics metrics) {
        all.forEach(l -> l.onStep(metrics));
    }

    @Override
    public void onEval(long step, double evalLoss) {
        all.forEach(l -> l.onEval(step, evalLoss));
    }

    @Override
    public void onCheckpoint(long step, Path dir) {
        all.forEach(l -> l.onCheckpoint(step, dir));
    }
}
