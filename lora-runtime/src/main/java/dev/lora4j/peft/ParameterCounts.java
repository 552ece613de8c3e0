package dev.lora4j.peft;

import dev.lora4j.tensor.Tensor;
import java.util.Collection;
import java.util.Locale;

/**
 * Trainable and total parameter counts, as PEFT's print_trainable_parameters reports them; the one
 * place lora4j counts parameters.
 *
 * @param trainable the number of elements in the tensors that require grad
 * @param total     the number of elements in all the tensors
 */
public record ParameterCounts(long trainable, long total) {
    /**
     * Counts the given tensors; trainable ones are those that require grad.
     *
     * @param tensors the tensors, each counted once per occurrence
     * @return the counts
     */
    public static ParameterCounts of(Collection<Tensor> tensors) {
        long trainable = 0;
        long total = 0;
        for (Tensor t : tensors) {
            long n = t.numel();
            total += n;
            if (t.requiresGrad()) {
                trainable += n;
            }
        }
        return new ParameterCounts(trainable, total);
    }

    /**
     * trainable / total in percent.
     *
     * @return the share in [0, 100]; 0 when total is 0
     */
    public double trainablePercent() {
        return total == 0 ? 0 : 100.0 * trainable / total;
    }

    /**
     * "0.29 M (0.38%)": trainable parameters in millions and their share, for tables.
     *
     * @return the short form
     */
    public String brief() {
        return String.format(Locale.ROOT, "%.2f M (%.2f%%)", trainable / 1e6, trainablePercent());
    }

    /** "trainable 294,912 of 77,256,064 (0.382%)". */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "trainable %,d of %,d (%.3f%%)", trainable, total, trainablePercent());
    }
}
