package dev.lora4j.peft.bitfit;

import dev.lora4j.Lora4jException;
import dev.lora4j.nn.LayerWrapper;
import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

/**
 * A trainable bias added to any linear layer's output, as PEFT's beft.Linear: y = base(x) + b, with b of
 * shape (1, out), float32, zero at start (so the model computes exactly as before), back in the output's
 * dtype. The base is the transparent child; the bias is {@code <path>.beft_bias}, PEFT's key without the
 * adapter name.
 */
public final class BeftLinear extends LinearLayer implements LayerWrapper<LinearLayer> {
    private final LinearLayer base;
    private final String path;
    private final Tensor bias;
    private boolean enabled = true;
    private boolean merged;

    /**
     * Wraps base (taking ownership) at path; the bias starts at zero, or standard normal from gen when random.
     *
     * @param base   the linear layer to add a bias to; this layer takes ownership
     * @param path   the module's dotted path in the model, for error messages
     * @param random whether the bias starts standard normal instead of at zero
     * @param gen    the generator the bias is drawn from when random; unused otherwise
     */
    public BeftLinear(LinearLayer base, String path, boolean random, Generator gen) {
        this.base = registerChild("", LinearLayer.class, base).get();
        this.path = path;
        var device = base.namedParameters().values().iterator().next().device();
        long out = base.outFeatures();
        Tensor b = Scope.detached(() -> random ? Tensor.randn(gen, DType.FLOAT32, device, 1, out)
                : Tensor.zeros(DType.FLOAT32, device, 1, out));
        this.bias = registerParameter("beft_bias", b);
        bias.requiresGrad(true);
    }

    @Override
    public LinearLayer base() {
        return base;
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
     * The trainable bias b.
     *
     * @return b, (1, out), float32, owned by this layer
     */
    public Tensor bias() {
        return bias;
    }

    /**
     * Disabled, the layer computes the base layer alone (PEFT's disable_adapter).
     *
     * @param enabled whether the bias takes part in the forward pass
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Whether the bias is currently added into the base layer's bias.
     *
     * @return true between {@link #merge()} and {@link #unmerge()}
     */
    public boolean isMerged() {
        return merged;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = base.forward(x);
        if (!enabled || merged) {
            return y;
        }
        return y.add(bias.reshape(bias.numel())).to(y.dtype());
    }

    /**
     * Why the bias cannot merge, or null: only a dense base with a bias of its own can take it, and T5's
     * projections have none (PEFT refuses the same: "Base layer has no bias").
     */
    String mergeRefusal() {
        if (base instanceof Linear dense && dense.bias() != null) {
            return null;
        }
        return path + " has no bias parameter (T5's projections have none), so the BitFit bias cannot be merged into "
                + "the model's weights; a Hugging Face T5 checkpoint has nowhere to hold it. Keep the adapter and load it "
                + "with the base model (lora4j --adapter, or PEFT's PeftModel.from_pretrained)";
    }

    /** PEFT's merge: the base bias += b. */
    public void merge() {
        if (merged) {
            throw new Lora4jException("bitfit_merge", path + ": the adapter is already merged");
        }
        addToBase(1);
        merged = true;
    }

    /** PEFT's unmerge: the base bias -= b. */
    public void unmerge() {
        if (!merged) {
            throw new Lora4jException("bitfit_unmerge", path + ": the adapter is not merged");
        }
        addToBase(-1);
        merged = false;
    }

    private void addToBase(double sign) {
        String refusal = mergeRefusal();
        if (refusal != null) {
            throw new Lora4jException("bitfit_merge", refusal);
        }
        Tensor target = ((Linear) base).bias();
        try (Scope scope = Scope.open(); var noGrad = Autograd.noGrad()) {
            target.copyFrom(target.add(bias.reshape(bias.numel()), sign).to(target.dtype()));
        }
    }

    /** Frees the bias only: the base goes back to the model (detach). */
    void releaseBias() {
        bias.close();
    }

    @Override
    public long inFeatures() {
        return base.inFeatures();
    }

    @Override
    public long outFeatures() {
        return base.outFeatures();
    }

    @Override
    public DType computeDType() {
        return base.computeDType();
    }
}
