package dev.lora4j.peft;

import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.nn.NamedParameter;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A LoRA adapter over a frozen {@link Linear}: y = x·Wᵀ + b + s·(D(x)·Aᵀ)·Bᵀ through the fused native
 * op, with A (r, in) and B (out, r) trainable, kept in float32 whatever the base dtype (as PEFT keeps
 * them), s = alpha / r (alpha / √r with rsLoRA). Dropout masks come from Philox at (seed, offset); the
 * offset advances by numel(x) every training forward, so masks never repeat and a run is reproducible.
 *
 * <p>Parameter names follow PEFT's module layout: the base keeps "weight" / "bias" (so the model's
 * state-dict keys do not change), the adapter adds "lora_A.weight" and "lora_B.weight".
 */
public final class LoraLinear implements LinearLayer {
    private final Linear base;
    private final Tensor loraA; // (r, in) float32
    private final Tensor loraB; // (out, r) float32
    private final LoraConfig config;
    private final double scale;
    private final long dropoutSeed;
    private long dropoutOffset;
    private boolean training;
    private boolean enabled = true;
    private boolean merged;

    /**
     * Wraps base (taking ownership) with a new adapter initialised as config says, drawing random init
     * from gen; dropoutSeed seeds this layer's dropout masks.
     */
    public LoraLinear(Linear base, LoraConfig config, Generator gen, long dropoutSeed) {
        this.base = base;
        this.config = config;
        this.scale = config.scale();
        this.dropoutSeed = dropoutSeed;
        long in = base.inFeatures();
        long out = base.outFeatures();
        int r = config.r();
        var device = base.weight().device();
        Tensor[] ab = Scope.detached(() -> new Tensor[] {
            Tensor.zeros(DType.FLOAT32, device, r, in), Tensor.zeros(DType.FLOAT32, device, out, r)});
        this.loraA = ab[0];
        this.loraB = ab[1];
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
    }

    /** nn.init.kaiming_uniform_(w, a=√5), nn.Linear's default: bound = 1/√fan_in. */
    private static void kaimingUniform(Tensor w, long fanIn, Generator gen) {
        double bound = 1.0 / Math.sqrt(fanIn);
        w.uniformInPlace(-bound, bound, gen);
    }

    public Linear base() {
        return base;
    }

    public Tensor loraA() {
        return loraA;
    }

    public Tensor loraB() {
        return loraB;
    }

    public LoraConfig config() {
        return config;
    }

    public double scale() {
        return scale;
    }

    /** Training mode turns dropout on (when lora_dropout > 0). */
    public void setTraining(boolean training) {
        this.training = training;
    }

    /** Disabled, the layer computes the base layer alone (PEFT's disable_adapter). */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isEnabled() {
        return enabled;
    }

    public boolean isMerged() {
        return merged;
    }

    /** Where this layer's next dropout mask is drawn (saved with checkpoints to resume exactly). */
    public long dropoutOffset() {
        return dropoutOffset;
    }

    public void setDropoutOffset(long offset) {
        this.dropoutOffset = offset;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!enabled || merged) {
            return base.forward(x);
        }
        boolean dropout = training && config.loraDropout() > 0;
        long offset = dropoutOffset;
        if (dropout) {
            dropoutOffset += x.numel();
        }
        return LoraOps.loraLinear(x, base.weight(), base.bias(), loraA, loraB, scale, config.loraDropout(),
                dropoutSeed, offset, dropout);
    }

    /** Folds s·B·A into the base weight (PEFT's merge); the layer then computes the base alone. */
    public void merge() {
        if (merged) {
            throw new Lora4jException("lora_merge", "the adapter is already merged");
        }
        addDelta(1.0);
        merged = true;
    }

    /** Subtracts s·B·A from the base weight again (PEFT's unmerge). */
    public void unmerge() {
        if (!merged) {
            throw new Lora4jException("lora_unmerge", "the adapter is not merged");
        }
        addDelta(-1.0);
        merged = false;
    }

    /** s·B·A as a new float32 tensor (out, in): what merging adds to the weight. */
    public Tensor delta() {
        try (var noGrad = Autograd.noGrad()) {
            return loraB.matmul(loraA).mul(scale);
        }
    }

    private void addDelta(double sign) {
        Tensor w = base.weight();
        try (Scope scope = Scope.open(); var noGrad = Autograd.noGrad()) {
            // Add in float32 and round once to the weight's dtype, as PEFT's merge does for bf16 bases.
            w.copyFrom(w.to(DType.FLOAT32).add(delta(), sign));
        }
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

    @Override
    public List<NamedParameter> parameters() {
        List<NamedParameter> out = new ArrayList<>(base.parameters());
        out.add(new NamedParameter("lora_A.weight", loraA));
        out.add(new NamedParameter("lora_B.weight", loraB));
        return out;
    }

    /** The adapter's own parameters (what an adapter file holds). */
    public List<NamedParameter> adapterParameters() {
        return List.of(new NamedParameter("lora_A.weight", loraA), new NamedParameter("lora_B.weight", loraB));
    }

    @Override
    public void close() {
        loraA.close();
        loraB.close();
        base.close();
    }
}
