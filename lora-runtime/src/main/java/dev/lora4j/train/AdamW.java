package dev.lora4j.train;

import dev.lora4j.bindings.lora4j_h;
import dev.lora4j.Lora4jException;
import dev.lora4j.internal.Native;
import dev.lora4j.internal.TensorHandles;
import dev.lora4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * libtorch's AdamW (decoupled weight decay, as torch.optim.AdamW) over a fixed list of parameters,
 * which must be leaf tensors that require grad. The learning rate may change every step (schedules).
 */
public final class AdamW implements AutoCloseable {
    private final List<Tensor> params;
    private MemorySegment handle;

    /**
     * torch.optim.AdamW's hyperparameters (decoupled weight decay).
     *
     * @param lr          the learning rate (the optimizer's starting value; see {@link AdamW#setLr})
     * @param beta1       the first-moment decay
     * @param beta2       the second-moment decay
     * @param eps         the epsilon added to the denominator
     * @param weightDecay the decoupled weight decay, multiplied by lr each step
     * @param amsgrad     whether to use the AMSGrad variant
     */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        /**
         * PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
         *
         * @return those options, without AMSGrad
         */
        public static Options defaults() {
            return new Options(1e-3, 0.9, 0.999, 1e-8, 0.01, false);
        }

        /**
         * A copy with another learning rate.
         *
         * @param value the new lr
         * @return the changed copy
         */
        public Options withLr(double value) {
            return new Options(value, beta1, beta2, eps, weightDecay, amsgrad);
        }

        /**
         * A copy with another weight decay.
         *
         * @param value the new weightDecay
         * @return the changed copy
         */
        public Options withWeightDecay(double value) {
            return new Options(lr, beta1, beta2, eps, value, amsgrad);
        }
    }

    /**
     * One parameter's optimizer state (null tensors before its first step).
     *
     * @param expAvg   the first moment (exp_avg), the parameter's shape, or null
     * @param expAvgSq the second moment (exp_avg_sq), the parameter's shape, or null
     * @param step     how many updates the parameter has had
     */
    public record State(Tensor expAvg, Tensor expAvgSq, long step) implements AutoCloseable {
        @Override
        public void close() {
            if (expAvg != null) {
                expAvg.close();
            }
            if (expAvgSq != null) {
                expAvgSq.close();
            }
        }
    }

    /**
     * An optimizer over params, whose state is created lazily on each parameter's first step.
     *
     * @param params  the parameters to update: leaf tensors that require grad, still owned by the caller
     * @param options the hyperparameters
     */
    public AdamW(List<Tensor> params, Options options) {
        this.params = List.copyOf(params);
        try (var f = Native.frame()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_adamw_new(f.handles(this.params.toArray(Tensor[]::new)), this.params.size(),
                    options.lr(), options.beta1(), options.beta2(), options.eps(), options.weightDecay(),
                    options.amsgrad() ? 1 : 0, out));
            handle = Native.readPointer(out);
        }
    }

    /**
     * The parameters this optimizer updates, in the order state indices refer to.
     *
     * @return an unmodifiable list of the caller's tensors
     */
    public List<Tensor> params() {
        return params;
    }

    /** Applies one update from the parameters' accumulated gradients. */
    public void step() {
        Native.check(lora4j_h.l4j_optimizer_step(handle()));
    }

    /** Drops every parameter's gradient (set to none, as PyTorch does by default). */
    public void zeroGrad() {
        Native.check(lora4j_h.l4j_optimizer_zero_grad(handle()));
    }

    /**
     * Sets the learning rate the next steps use.
     *
     * @param lr the new learning rate
     */
    public void setLr(double lr) {
        Native.check(lora4j_h.l4j_optimizer_set_lr(handle(), lr));
    }

    /**
     * The learning rate the next step uses.
     *
     * @return the current learning rate
     */
    public double lr() {
        try (var f = Native.frame()) {
            MemorySegment out = f.doubleOut();
            Native.check(lora4j_h.l4j_optimizer_get_lr(handle(), out));
            return Native.readDouble(out);
        }
    }

    /**
     * A copy of parameter i's state, for checkpoints.
     *
     * @param paramIndex the parameter's index in {@link #params()}, counted from 0
     * @return the state, whose new tensors the caller (or the open scope) owns and closes
     */
    public State state(int paramIndex) {
        try (var f = Native.frame()) {
            MemorySegment m = f.pointerOut();
            MemorySegment v = f.pointerOut();
            MemorySegment step = f.longOut();
            Native.check(lora4j_h.l4j_adamw_get_state(handle(), paramIndex, m, v, step));
            MemorySegment mh = Native.readPointer(m);
            MemorySegment vh = Native.readPointer(v);
            return new State(mh.equals(MemorySegment.NULL) ? null : TensorHandles.adopt(mh),
                    vh.equals(MemorySegment.NULL) ? null : TensorHandles.adopt(vh), Native.readLong(step));
        }
    }

    /**
     * Restores parameter i's state (copied; shapes must match the parameter).
     *
     * @param paramIndex the parameter's index in {@link #params()}, counted from 0
     * @param expAvg     the first moment to copy in; still owned by the caller
     * @param expAvgSq   the second moment to copy in; still owned by the caller
     * @param step       how many updates the parameter has had
     */
    public void setState(int paramIndex, Tensor expAvg, Tensor expAvgSq, long step) {
        Native.check(lora4j_h.l4j_adamw_set_state(handle(), paramIndex, TensorHandles.of(expAvg), TensorHandles.of(expAvgSq), step));
    }

    private MemorySegment handle() {
        if (handle == null) {
            throw new Lora4jException("optimizer", "use of a closed optimizer");
        }
        return handle;
    }

    @Override
    public void close() {
        if (handle != null) {
            MemorySegment h = handle;
            handle = null;
            Native.check(lora4j_h.l4j_optimizer_free(h));
        }
    }
}
