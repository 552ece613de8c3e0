package dev.lora4j.peft.ia3;

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
 * An (IA)³ vector over any linear layer, as PEFT's ia3.Linear: a layer that is not feed-forward scales
 * its output, y = base(x) ⊙ l with l of shape (out, 1); a feed-forward one scales its input,
 * y = base(x ⊙ l) with l of shape (1, in). l is float32 whatever the base dtype (as PEFT keeps it) and
 * the product goes back to the activation's dtype, as PEFT's casts do.
 *
 * <p>The base is this layer's transparent child, so its weight keeps its name; the vector is
 * {@code <path>.ia3_l}, PEFT's key without the adapter name.
 */
public final class Ia3Linear extends LinearLayer implements LayerWrapper<LinearLayer> {
    /** What PEFT adds to l before dividing when it unmerges (so a zero entry does not divide by zero). */
    static final double UNMERGE_EPS = 1e-8;

    private final LinearLayer base;
    private final String path;
    private final boolean feedforward;
    private final Tensor l;
    private boolean enabled = true;
    private boolean merged;

    /**
     * Wraps base (taking ownership) at path; l starts at ones, or standard normal from gen when random.
     *
     * @param base        the linear layer to adapt; this layer takes ownership
     * @param path        the module's dotted path in the model, for error messages
     * @param feedforward whether l scales the input (shape (1, in)) rather than the output (shape (out, 1))
     * @param random      whether l starts standard normal instead of at ones (PEFT's init_ia3_weights false)
     * @param gen         the generator l is drawn from when random; unused otherwise
     */
    public Ia3Linear(LinearLayer base, String path, boolean feedforward, boolean random, Generator gen) {
        this.base = registerChild("", LinearLayer.class, base).get();
        this.path = path;
        this.feedforward = feedforward;
        var device = base.namedParameters().values().iterator().next().device();
        long[] shape = feedforward ? new long[] {1, base.inFeatures()} : new long[] {base.outFeatures(), 1};
        Tensor vector = Scope.detached(() -> random ? Tensor.randn(gen, DType.FLOAT32, device, shape)
                : Tensor.ones(DType.FLOAT32, device, shape));
        this.l = registerParameter("ia3_l", vector);
        l.requiresGrad(true);
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
     * Whether the vector scales the input (PEFT's is_feedforward) rather than the output.
     *
     * @return true for an input-scaling (feed-forward) layer
     */
    public boolean isFeedforward() {
        return feedforward;
    }

    /**
     * The trainable vector l.
     *
     * @return l, (out, 1) or (1, in), float32, owned by this layer
     */
    public Tensor vector() {
        return l;
    }

    /**
     * Disabled, the layer computes the base layer alone (PEFT's disable_adapter).
     *
     * @param enabled whether the vector takes part in the forward pass
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Whether the vector is currently folded into the base weight.
     *
     * @return true between {@link #merge()} and {@link #unmerge()}
     */
    public boolean isMerged() {
        return merged;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!enabled || merged) {
            return base.forward(x);
        }
        Tensor flat = l.reshape(l.numel());
        if (feedforward) {
            return base.forward(x.to(l.dtype()).mul(flat).to(x.dtype()));
        }
        Tensor y = base.forward(x);
        return y.mul(flat).to(y.dtype());
    }

    /** Why this layer cannot merge, or null. */
    String mergeRefusal() {
        return base instanceof Linear ? null
                : path + ": (IA)³ over a " + base.getClass().getSimpleName() + " cannot be merged into its weights";
    }

    /**
     * PEFT's merge: W ⊙ l (rows for an output vector, columns for an input vector), rounded once to the
     * weight's dtype; a bias is scaled too for an output vector.
     */
    public void merge() {
        if (merged) {
            throw new Lora4jException("ia3_merge", path + ": the adapter is already merged");
        }
        scaleWeights(false);
        merged = true;
    }

    /** PEFT's unmerge: W / (l + 1e-8). Not exact (PEFT warns the same): the rounding of the merge stays. */
    public void unmerge() {
        if (!merged) {
            throw new Lora4jException("ia3_unmerge", path + ": the adapter is not merged");
        }
        scaleWeights(true);
        merged = false;
    }

    private void scaleWeights(boolean divide) {
        if (!(base instanceof Linear dense)) {
            throw new Lora4jException("ia3_merge", mergeRefusal());
        }
        try (Scope scope = Scope.open(); var noGrad = Autograd.noGrad()) {
            Tensor w = dense.weight();
            Tensor factor = divide ? l.add(UNMERGE_EPS) : l;
            w.copyFrom((divide ? w.div(factor) : w.mul(factor)).to(w.dtype()));
            Tensor bias = dense.bias();
            if (!feedforward && bias != null) {
                Tensor rows = factor.reshape(bias.numel());
                bias.copyFrom((divide ? bias.div(rows) : bias.mul(rows)).to(bias.dtype()));
            }
        }
    }

    /** Frees the vector only: the base goes back to the model (detach). */
    void releaseVector() {
        l.close();
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
