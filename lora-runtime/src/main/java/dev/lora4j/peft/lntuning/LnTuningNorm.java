package dev.lora4j.peft.lntuning;

import dev.lora4j.Lora4jException;
import dev.lora4j.nn.LayerWrapper;
import dev.lora4j.nn.NormLayer;
import dev.lora4j.nn.RMSNorm;
import dev.lora4j.nn.Slot;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

/**
 * PEFT's LNTuningLayer over a T5 RMSNorm: a trainable copy of the norm computes in its place. The
 * original is the transparent child (its weight keeps the name {@code <path>.weight}), the copy the child
 * {@code ln_tuning_layers}, so the copy's weight is {@code <path>.ln_tuning_layers.weight}, PEFT's key
 * without the adapter name. Merging swaps the two, as PEFT does: the trained copy becomes the base and
 * the original sits under ln_tuning_layers.
 */
public final class LnTuningNorm extends NormLayer implements LayerWrapper<NormLayer> {
    private final String path;
    private final Slot<NormLayer> baseSlot;
    private final Slot<NormLayer> copySlot;
    private final NormLayer original;
    private final RMSNorm trained;
    private final long dim;
    private boolean enabled = true;
    private boolean merged;

    /**
     * Wraps base (taking ownership) at path with a trainable copy of it.
     *
     * @param base the norm to tune; must be an {@link RMSNorm}. This layer takes ownership
     * @param path the module's dotted path in the model, for error messages
     * @throws Lora4jException if base is not an RMSNorm
     */
    public LnTuningNorm(NormLayer base, String path) {
        if (!(base instanceof RMSNorm rms)) {
            throw new Lora4jException("ln_tuning", path + ": LN tuning copies RMSNorm layers, not a "
                    + base.getClass().getSimpleName());
        }
        this.path = path;
        this.original = base;
        this.dim = base.dim();
        this.baseSlot = registerChild("", NormLayer.class, base);
        Tensor weight = Scope.detached(() -> {
            try (var noGrad = Autograd.noGrad(); Tensor d = rms.weight().detach()) {
                return d.copy();
            }
        });
        this.trained = new RMSNorm(weight, rms.eps());
        this.copySlot = registerChild("ln_tuning_layers", NormLayer.class, trained);
        weight.requiresGrad(true);
    }

    /** The original norm (what goes back into the model when the adapter is removed unmerged). */
    @Override
    public NormLayer base() {
        return original;
    }

    /**
     * The trained copy.
     *
     * @return the copy whose weight trains, owned by this layer
     */
    public RMSNorm trained() {
        return trained;
    }

    /**
     * The module path this layer stands at.
     *
     * @return the dotted module path
     */
    public String path() {
        return path;
    }

    /**
     * Disabled, the original norm computes (PEFT's disable_adapter).
     *
     * @param enabled whether the trained copy computes
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Whether the trained copy currently stands as the base layer.
     *
     * @return true between {@link #merge()} and {@link #unmerge()}
     */
    public boolean isMerged() {
        return merged;
    }

    /** The copy computes while enabled (merged or not: merging only moves it); disabled, the original. */
    @Override
    public Tensor forward(Tensor x) {
        return (enabled ? trained : original).forward(x);
    }

    /** PEFT's merge: the trained copy becomes the base layer. */
    public void merge() {
        if (merged) {
            throw new Lora4jException("ln_tuning_merge", path + ": the adapter is already merged");
        }
        swap();
        merged = true;
    }

    /** PEFT's unmerge: the original becomes the base layer again (exact: nothing was computed). */
    public void unmerge() {
        if (!merged) {
            throw new Lora4jException("ln_tuning_unmerge", path + ": the adapter is not merged");
        }
        swap();
        merged = false;
    }

    private void swap() {
        NormLayer base = baseSlot.get();
        NormLayer copy = copySlot.get();
        baseSlot.replace(copy);
        copySlot.replace(base);
    }

    /** What stays in the model when the adapter is removed: the trained copy when merged, the original otherwise. */
    NormLayer kept() {
        return merged ? trained : original;
    }

    /** After {@link #kept()} is back in the model: frees the other norm and freezes the kept one. */
    void releaseOther() {
        if (merged) {
            original.close();
            trained.weight().requiresGrad(false);
        } else {
            trained.close();
        }
    }

    @Override
    public long dim() {
        return dim;
    }
}
