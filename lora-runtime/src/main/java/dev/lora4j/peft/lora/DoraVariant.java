package dev.lora4j.peft.lora;

import dev.lora4j.Lora4jException;
import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

/**
 * DoRA (PEFT's {@code use_dora}, arXiv 2402.09353) over a dense base: the weight is m ⊙ (W + s·B·A) / ‖W + s·B·A‖
 * with the norm taken per output row and m the trainable magnitude {@code (out,)} registered on the layer.
 * Computed as PEFT's DoraLinearVariant does, with ordinary tensor ops (autograd gives the backward):
 * <ul>
 *   <li>g = m / ‖W + s·B·A‖, the norm detached (the paper's §4.3: no gradient through it);
 *   <li>without dropout (or in eval): y = base(x) + (g - 1)·(base(x) - bias) + g·s·B(A(x)), reusing the base output;
 *   <li>with dropout in training: x_d = dropout(x) and the base product is recomputed on it,
 *       y = base(x) + (g - 1)·W x_d + g·s·B(A(x_d)), as PEFT does (so the output is not the paper's g·(W + s·B·A)·x_d).
 * </ul>
 * Dropout masks are the layer's Philox masks at (seed, offset), the ones plain LoRA's fused op draws, so a
 * resumed run redraws them exactly. Like PEFT, the adapter part runs in float32 (the adapter's dtype) and
 * the sum is cast back to the base output's dtype.
 *
 * <p>One instance per layer: a merge keeps the norm it divided by, as PEFT caches it, because unmerge cannot
 * recompute it from the merged weight.
 */
final class DoraVariant implements LoraVariant {
    private Tensor mergedNorm; // (out,) float32 while merged

    /** ‖W + scale·B·A‖ per output row, in float32, without gradient (PEFT's get_weight_norm, detached). */
    static Tensor weightNorm(Tensor w, Tensor a, Tensor b, double scale) {
        try (var noGrad = Autograd.noGrad()) {
            Tensor v = w.to(DType.FLOAT32).add(b.matmul(a), scale);
            return v.mul(v).sum(false, 1).sqrt();
        }
    }

    private static Linear dense(LoraLinear layer) {
        if (layer.base() instanceof Linear dense) {
            return dense;
        }
        throw new Lora4jException("dora", doraRefusal(layer.path(), layer.base()));
    }

    /** Why DoRA cannot wrap the layer's base: it needs the dense weight to normalise W + s·B·A. */
    static String doraRefusal(String path, LinearLayer base) {
        return path + ": DoRA needs the base layer's dense weight to normalise W + s·B·A, and this base is a "
                + base.getClass().getSimpleName() + " (DoRA over quantized or other non-dense layers is not "
                + "implemented)";
    }

    @Override
    public Tensor forward(LoraLinear layer, Tensor x, long offset, boolean dropout) {
        Linear dense = dense(layer);
        Tensor result = dense.forward(x);
        Tensor x32 = x.to(DType.FLOAT32);
        Tensor norm = weightNorm(dense.weight(), layer.loraA(), layer.loraB(), layer.scale());
        Tensor g = layer.magnitude().div(norm); // (out,): broadcasts over the last dimension as PEFT's view(1, -1)
        Tensor xd;
        Tensor baseOut;
        if (dropout) {
            // torch's dropout multiplies by mask / (1 - p); the Philox op gives exactly that factor from ones.
            Tensor mask = LoraOps.dropout(Tensor.ones(DType.FLOAT32, x.device(), x.shape()), layer.config().loraDropout(),
                    layer.dropoutSeed(), offset);
            xd = x32.mul(mask);
            baseOut = xd.linear(dense.weight().to(DType.FLOAT32), null);
        } else {
            xd = x32;
            baseOut = (dense.bias() == null ? result : result.sub(dense.bias())).to(DType.FLOAT32);
        }
        Tensor lora = xd.linear(layer.loraA(), null).linear(layer.loraB(), null);
        Tensor extra = g.sub(1.0).mul(baseOut).add(g.mul(lora).mul(layer.scale()));
        return result.to(DType.FLOAT32).add(extra).to(result.dtype());
    }

    /** W' = (m / ‖W + s·B·A‖)[:, None] · (W + s·B·A), as PEFT's DoraLinearVariant.merge_safe; the norm is kept. */
    @Override
    public Tensor merge(LoraLinear layer, Tensor w) {
        Tensor delta = layer.delta();
        Tensor norm;
        try (var noGrad = Autograd.noGrad()) {
            Tensor v = w.add(delta);
            norm = v.mul(v).sum(false, 1).sqrt();
        }
        release();
        mergedNorm = Scope.detached(norm::copy);
        Tensor factor = layer.magnitude().detach().div(norm).unsqueeze(1);
        return factor.mul(w.add(delta));
    }

    /** W = W' / (m / norm)[:, None] - s·B·A with the norm the merge used (PEFT's unmerge). */
    @Override
    public Tensor unmerge(LoraLinear layer, Tensor w) {
        if (mergedNorm == null) {
            throw new Lora4jException("lora_unmerge", layer.path() + ": the DoRA adapter is not merged");
        }
        Tensor factor = layer.magnitude().detach().div(mergedNorm).unsqueeze(1);
        Tensor base = w.div(factor).sub(layer.delta());
        release();
        return base;
    }

    @Override
    public void release() {
        if (mergedNorm != null) {
            mergedNorm.close();
            mergedNorm = null;
        }
    }
}
