package dev.lora4j.peft.lora;

import dev.lora4j.nn.LayerWrapper;
import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.nn.SharedInputLinears;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Generator;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A LoRA adapter over any linear layer: y = base(x) + s·(D(x)·Aᵀ)·Bᵀ, with A (r, in) and B (out, r)
 * trainable, kept in float32 whatever the base dtype (as PEFT keeps them), s = alpha / r (alpha / √r
 * with rsLoRA). Over a dense {@link Linear} the base GEMM and the update run as one fused native op;
 * over any other linear layer (a quantized one) the base computes its output and an adapter-only
 * native op adds the update to it. Dropout masks come from Philox at (seed, offset): the seed derives
 * from the training {@link RandomKey} and this layer's path, the offset counts the elements drawn under
 * that key, so masks are a function of (key, layer) alone.
 *
 * <p>The computation itself is a {@link LoraVariant}: plain LoRA, or DoRA when the config sets use_dora
 * ({@link DoraVariant}; it needs a dense base and runs as composite tensor ops, not the fused op).
 *
 * <p>Parameter names follow PEFT's: the base's stay as they were ({@code weight}), the adapter adds
 * {@code lora_A.weight} and {@code lora_B.weight}, and DoRA {@code lora_magnitude_vector} (PEFT's file key,
 * which has no {@code .weight}: PEFT strips it when saving and adds it back when loading). Adapters of
 * layers reading one input (q, k, v) run as one grouped native call when the model asks for them together ({@link SharedInputLinears}).
 */
public final class LoraLinear extends LinearLayer implements LayerWrapper<LinearLayer>, SharedInputLinears.Groupable {
    /** DoRA's parameter name, PEFT's file key suffix (no {@code .weight}). */
    public static final String MAGNITUDE = "lora_magnitude_vector";

    private final LinearLayer base;
    private final String path;
    private final Tensor loraA; // (r, in) float32
    private final Tensor loraB; // (out, r) float32
    private final LoraConfig config;
    private final double scale;
    private final Tensor magnitude; // DoRA's m (out,) float32, or null
    private final LoraVariant variant;
    private long dropoutSeed;
    private long dropoutOffset;
    private boolean training;
    private boolean enabled = true;
    private boolean merged;

    /**
     * Wraps base (taking ownership) at module path with a new adapter initialised as config says,
     * drawing random init from gen.
     *
     * @param base the linear layer to adapt; this layer takes ownership. DoRA needs a dense {@link Linear}
     * @param path the module's dotted path in the model, which keys its dropout masks and names it in errors
     * @param config the LoRA settings (rank, scaling, init, DoRA)
     * @param gen the generator A (and, for {@link LoraConfig.Init#RANDOM}, B) is drawn from
     * @throws Lora4jException if config asks for DoRA over a base that is not a dense {@link Linear}
     */
    public LoraLinear(LinearLayer base, String path, LoraConfig config, Generator gen) {
        if (config.useDora() && !(base instanceof Linear)) {
            throw new Lora4jException("dora", DoraVariant.doraRefusal(path, base));
        }
        this.base = registerChild("", LinearLayer.class, base).get();
        this.path = path;
        this.config = config;
        this.scale = config.scale();
        long in = base.inFeatures();
        long out = base.outFeatures();
        int r = config.r();
        var device = deviceOf(base);
        Tensor[] ab = Scope.detached(() -> new Tensor[] {
            Tensor.zeros(DType.FLOAT32, device, r, in), Tensor.zeros(DType.FLOAT32, device, out, r)});
        this.loraA = registerParameter("lora_A.weight", ab[0]);
        this.loraB = registerParameter("lora_B.weight", ab[1]);
        try (var noGrad = Autograd.noGrad()) {
            switch (config.initLoraWeights()) {
                case DEFAULT -> kaimingUniform(loraA, in, gen);      // B stays zero: the adapter starts as identity
                case GAUSSIAN -> loraA.normalInPlace(0, 1.0 / r, gen);
                case RANDOM -> {
                    kaimingUniform(loraA, in, gen);
                    kaimingUniform(loraB, r, gen);
                }
            }
        }
        loraA.requiresGrad(true);
        loraB.requiresGrad(true);
        if (config.useDora()) {
            this.variant = new DoraVariant();
            this.magnitude = registerParameter(MAGNITUDE, Scope.detached(() -> Tensor.zeros(DType.FLOAT32, device, out)));
            initMagnitude();
            magnitude.requiresGrad(true);
        } else {
            this.variant = LoraVariant.PLAIN;
            this.magnitude = null;
        }
    }

    /**
     * Sets DoRA's magnitude to the row norms of W + s·B·A (PEFT's DoraLinearLayer.update_layer; B = 0 at the
     * default init, so the row norms of W): the adapter then starts as the identity whatever A and B are.
     */
    void initMagnitude() {
        try (Scope scope = Scope.open(); var noGrad = Autograd.noGrad()) {
            magnitude.copyFrom(DoraVariant.weightNorm(((Linear) base).weight(), loraA, loraB, scale));
        }
    }

    private static dev.lora4j.tensor.Device deviceOf(LinearLayer layer) {
        return layer.namedParameters().values().iterator().next().device();
    }

    /** nn.init.kaiming_uniform_(w, a=√5), nn.Linear's default: bound = 1/√fan_in. */
    private static void kaimingUniform(Tensor w, long fanIn, Generator gen) {
        double bound = 1.0 / Math.sqrt(fanIn);
        w.uniformInPlace(-bound, bound, gen);
    }

    @Override
    public LinearLayer base() {
        return base;
    }

    /**
     * The module path this layer stands at.
     *
     * @return the dotted module path, e.g. {@code encoder.block.0.layer.0.SelfAttention.q}
     */
    public String path() {
        return path;
    }

    /**
     * The trainable down-projection A.
     *
     * @return A, shape (r, in), float32, owned by this layer
     */
    public Tensor loraA() {
        return loraA;
    }

    /**
     * The trainable up-projection B.
     *
     * @return B, shape (out, r), float32, owned by this layer
     */
    public Tensor loraB() {
        return loraB;
    }

    /**
     * The settings this adapter was created with.
     *
     * @return the LoRA config
     */
    public LoraConfig config() {
        return config;
    }

    /**
     * The factor s on B·A.
     *
     * @return alpha / r, or alpha / √r with rsLoRA
     */
    public double scale() {
        return scale;
    }

    /**
     * DoRA's magnitude vector.
     *
     * @return m, shape (out,), float32, owned by this layer; or null for plain LoRA
     */
    public Tensor magnitude() {
        return magnitude;
    }

    /**
     * Whether this layer is DoRA (use_dora).
     *
     * @return true for DoRA, false for plain LoRA
     */
    public boolean isDora() {
        return magnitude != null;
    }

    /**
     * Training mode, dropout keyed by key (when lora_dropout &gt; 0); masks restart for every new key.
     *
     * @param key the micro-batch's random key; the mask seed derives from it and this layer's path
     */
    public void train(RandomKey key) {
        training = true;
        dropoutSeed = key.derive(path);
        dropoutOffset = 0;
    }

    /** Evaluation mode: no dropout. */
    public void eval() {
        training = false;
    }

    /**
     * Disabled, the layer computes the base layer alone (PEFT's disable_adapter).
     *
     * @param enabled whether the adapter takes part in the forward pass
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Whether the adapter takes part in the forward pass.
     *
     * @return false after {@code setEnabled(false)}
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Whether the adapter is currently folded into the base weight.
     *
     * @return true between {@link #merge()} and {@link #unmerge()}
     */
    public boolean isMerged() {
        return merged;
    }

    private boolean active() {
        return enabled && !merged;
    }

    private boolean dropout() {
        return training && config.loraDropout() > 0;
    }

    /** This call's mask offset; later calls under the same key draw after it. */
    private long takeOffset(long elements) {
        long offset = dropoutOffset;
        if (dropout()) {
            dropoutOffset += elements;
        }
        return offset;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!active()) {
            return base.forward(x);
        }
        return variant.forward(this, x, takeOffset(x.numel()), dropout());
    }

    /**
     * The grouped call: when every layer is an active LoRA layer over a dense base with the same
     * dropout settings, their base GEMMs and adapters run in one native call over one packed weight.
     * Returns null (each layer then runs alone) otherwise.
     */
    @Override
    public List<Tensor> forwardGroup(List<LinearLayer> layers, Tensor x) {
        return LoraGroups.forward(layers, x);
    }

    boolean groupable() {
        return active() && variant == LoraVariant.PLAIN && base instanceof Linear dense && dense.bias() == null;
    }

    long dropoutSeed() {
        return dropoutSeed;
    }

    boolean dropoutActive() {
        return dropout();
    }

    long offsetFor(long elements) {
        return takeOffset(elements);
    }

    /**
     * Folds the adapter into the base weight (PEFT's merge): W + s·B·A, or for DoRA (m / ‖W + s·B·A‖)·(W + s·B·A)
     * per row; the layer then computes the base alone.
     */
    public void merge() {
        if (merged) {
            throw new Lora4jException("lora_merge", "the adapter is already merged");
        }
        rewriteWeight(true);
        merged = true;
    }

    /** Takes the adapter out of the base weight again (PEFT's unmerge). */
    public void unmerge() {
        if (!merged) {
            throw new Lora4jException("lora_unmerge", "the adapter is not merged");
        }
        rewriteWeight(false);
        merged = false;
    }

    /** Why this layer cannot merge, or null. */
    String mergeRefusal() {
        if (base instanceof Linear) {
            return null;
        }
        String hint = base instanceof dev.lora4j.quant.Linear4bit
                ? " (a 4-bit base: dequantize it first with T5Quantization.dequantize, as `lora4j merge --quantize` does; docs/QLORA.md)"
                : "";
        return path + ": " + (isDora() ? "DoRA" : "LoRA") + " over a " + base.getClass().getSimpleName()
                + " cannot be merged into its weights" + hint;
    }

    /**
     * s·B·A (PEFT's get_delta_weight; what plain LoRA's merge adds), computed without autograd.
     *
     * @return a new float32 tensor (out, in), owned by the caller (or the current scope)
     */
    public Tensor delta() {
        try (var noGrad = Autograd.noGrad()) {
            return loraB.matmul(loraA).mul(scale);
        }
    }

    private void rewriteWeight(boolean merge) {
        if (!(base instanceof Linear dense)) {
            throw new Lora4jException(merge ? "lora_merge" : "lora_unmerge", mergeRefusal());
        }
        Tensor w = dense.weight();
        try (Scope scope = Scope.open(); var noGrad = Autograd.noGrad()) {
            // Compute in float32 and round once to the weight's dtype, as PEFT's merge does for bf16 bases.
            Tensor w32 = w.to(DType.FLOAT32);
            w.copyFrom(merge ? variant.merge(this, w32) : variant.unmerge(this, w32));
        }
    }

    /** Frees the adapter's own tensors only: the base goes back to the model (detach). */
    void releaseAdapter() {
        loraA.close();
        loraB.close();
        if (magnitude != null) {
            magnitude.close();
        }
        variant.release();
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

    /**
     * The adapter's own parameters (what an adapter file holds).
     *
     * @return a new list of A, B and, for DoRA, the magnitude; the tensors stay owned by this layer
     */
    public List<Tensor> adapterTensors() {
        List<Tensor> out = new ArrayList<>(List.of(loraA, loraB));
        if (magnitude != null) {
            out.add(magnitude);
        }
        return out;
    }
}
