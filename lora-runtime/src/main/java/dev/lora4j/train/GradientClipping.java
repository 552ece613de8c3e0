package dev.lora4j.train;

import dev.lora4j.bindings.lora4j_h;
import dev.lora4j.internal.Native;
import dev.lora4j.internal.TensorHandles;
import dev.lora4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Gradient-norm clipping, as torch.nn.utils.clip_grad_norm_. */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Scales the parameters' gradients in place so their total norm is at most maxNorm.
     *
     * @param params   the parameters whose gradients to clip; those without a gradient are skipped
     * @param maxNorm  the largest total norm allowed; positive infinity to measure only
     * @param normType the p of the p-norm (2 for Euclidean)
     * @return the total norm before clipping (may be infinite or NaN: callers check it)
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm, double normType) {
        try (var f = Native.frame()) {
            MemorySegment out = f.doubleOut();
            Native.check(lora4j_h.l4j_clip_grad_norm(f.handles(params.toArray(Tensor[]::new)), params.size(),
                    maxNorm, normType, out));
            return Native.readDouble(out);
        }
    }

    /**
     * {@link #clipGradNorm(List, double, double)} with the Euclidean (2-)norm.
     *
     * @param params  the parameters whose gradients to clip
     * @param maxNorm the largest total norm allowed; positive infinity to measure only
     * @return the total norm before clipping (may be infinite or NaN: callers check it)
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0);
    }
}
