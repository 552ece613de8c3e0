package dev.lora4j.peft.bottleneck;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.AtomicFiles;
import dev.lora4j.io.StrictJson;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.nn.Dropout;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.AdapterHubFiles;
import dev.lora4j.peft.HookedAdapter;
import dev.lora4j.peft.AdapterFiles;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks;
import dev.lora4j.t5.T5Hooks.SublayerSite;
import dev.lora4j.t5.T5Output;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * AdaMix attached to a T5 model through the sublayer hook. Each location holds N down projections and N
 * up projections (one of each when shared), all starting as copies of one bottleneck initialisation, as
 * microsoft/AdaMix's MixtureSoup deep-copies its expert. In training every forward pass picks one down and
 * one up projection per location, uniformly, from a stream seeded by the run's {@link RandomKey} and the
 * location's path, so routing is a pure function of (seed, rank, step, micro-batch, location) and a
 * resumed run routes as the uninterrupted one did. In evaluation and generation the experts' average
 * (AdaMix's weight-averaging merge) computes, which costs what one adapter costs. The placement and the
 * block's formula are the bottleneck method's ({@link BottleneckAdapter}).
 */
public final class AdaMixAdapter extends HookedAdapter {
    private final AdaMixConfig config;
    private final Map<SublayerSite, Mixture> mixtures;
    private final Generator dropoutGenerator;
    private final Map<SublayerSite, int[]> lastRouting = new LinkedHashMap<>();

    /** One location's experts: down (r, d) and up (d, r) projections with their biases. */
    record Mixture(String path, List<Tensor[]> downs, List<Tensor[]> ups) implements AutoCloseable {
        @Override
        public void close() {
            downs.forEach(p -> { p[0].close(); p[1].close(); });
            ups.forEach(p -> { p[0].close(); p[1].close(); });
        }
    }

    private AdaMixAdapter(T5ForConditionalGeneration model, AdaMixConfig config, Map<SublayerSite, Mixture> mixtures, long seed) {
        super(model);
        this.config = config;
        this.mixtures = Collections.unmodifiableMap(mixtures);
        this.dropoutGenerator = own(new Generator(seed, model.device()));
        mixtures.values().forEach(this::own);
        hooked(model.hooks().addSublayerHook(this::apply));
    }

    static AdaMixAdapter attach(T5ForConditionalGeneration model, AdaMixConfig config, long seed) {
        long d = model.config().dModel();
        long r = config.expert().bottleneckSize(d);
        model.requiresGrad(false);
        Map<SublayerSite, Mixture> mixtures = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        try (Generator gen = new Generator(seed, model.device())) {
            for (SublayerSite site : BottleneckAdapter.sites(model.config(), config.expert())) {
                BottleneckBlock first = BottleneckBlock.create(config.expert(), d, r, model.device(), random, gen);
                Tensor[] parts = first.parts();
                List<Tensor[]> downs = new ArrayList<>();
                List<Tensor[]> ups = new ArrayList<>();
                Scope.detached(() -> {
                    for (int i = 0; i < config.downCount(); i++) {
                        downs.add(i == 0 ? new Tensor[] {parts[0], parts[1]} : leafCopies(parts[0], parts[1]));
                    }
                    for (int i = 0; i < config.upCount(); i++) {
                        ups.add(i == 0 ? new Tensor[] {parts[2], parts[3]} : leafCopies(parts[2], parts[3]));
                    }
                    return null;
                });
                mixtures.put(site, new Mixture(BottleneckAdapter.path(site), downs, ups));
            }
        }
        return new AdaMixAdapter(model, config, mixtures, seed);
    }

    /** New leaves holding the values of weight and bias (released to the caller; no scope keeps them). */
    private static Tensor[] leafCopies(Tensor weight, Tensor bias) {
        try (var noGrad = Autograd.noGrad(); Scope scope = Scope.open()) {
            // Under no-grad a copy has no history: a leaf of its own.
            return new Tensor[] {scope.keep(weight.copy()).requiresGrad(true), scope.keep(bias.copy()).requiresGrad(true)};
        }
    }

    private Tensor apply(SublayerSite site, Tensor x, Tensor normed, Tensor h) {
        Mixture m = mixtures.get(site);
        if (!enabled() || m == null) {
            return h;
        }
        BottleneckConfig e = config.expert();
        Tensor z = e.originalLnBefore() ? h.add(x) : h;
        Tensor residual = e.residualBeforeLn() ? h : z;
        RandomKey trainingKey = trainingKey();
        if (trainingKey == null) {
            return averaged(m).forward(z, residual, Dropout.NONE);
        }
        SplittableRandom routing = new SplittableRandom(trainingKey.derive(m.path() + ".adamix." + e.name()));
        int down = routing.nextInt(m.downs().size());
        int up = routing.nextInt(m.ups().size());
        lastRouting.put(site, new int[] {down, up});
        Dropout dropout = e.dropout() == 0 ? Dropout.NONE
                : new Dropout(e.dropout(), true, dropoutGenerator, trainingKey).at(m.path() + ".adapters." + e.name());
        Tensor[] dp = m.downs().get(down);
        Tensor[] upP = m.ups().get(up);
        return BottleneckBlock.view(dp[0], dp[1], upP[0], upP[1], e).forward(z, residual, dropout);
    }

    /** The location's experts averaged (uniform weights, as AdaMix's inference merge), in the caller's scope. */
    private BottleneckBlock averaged(Mixture m) {
        Tensor[] down = mean(m.downs());
        Tensor[] up = mean(m.ups());
        return BottleneckBlock.view(down[0], down[1], up[0], up[1], config.expert());
    }

    private static Tensor[] mean(List<Tensor[]> experts) {
        if (experts.size() == 1) {
            return experts.get(0);
        }
        Tensor[] weights = experts.stream().map(p -> p[0]).toArray(Tensor[]::new);
        Tensor[] biases = experts.stream().map(p -> p[1]).toArray(Tensor[]::new);
        return new Tensor[] {Tensor.stack(0, weights).mean(false, 0), Tensor.stack(0, biases).mean(false, 0)};
    }

    /**
     * The training loss of one micro-batch. With a consistency weight λ > 0 the micro-batch runs twice, the
     * second time routed (and dropped out) by another key, and the loss is the mean of the two
     * cross-entropies plus λ times the symmetric KL divergence between the two passes' token distributions,
     * averaged over the label tokens: AdaMix's consistency regularizer, which keeps the experts' predictions
     * close so that their average stays a good model.
     */
    @Override
    public Tensor trainingLoss(Supplier<T5Output> forward, Tensor labels, RandomKey key) {
        if (config.consistencyWeight() == 0) {
            return forward.get().loss();
        }
        T5Output first = forward.get();
        train(new RandomKey(key.seed(), key.rank(), key.step(), key.microBatch() + SECOND_PASS));
        T5Output second;
        try {
            second = forward.get();
        } finally {
            train(key);
        }
        Tensor p = first.logits().logSoftmax(-1); // (B, T, V)
        Tensor q = second.logits().logSoftmax(-1);
        Tensor klPq = p.exp().mul(p.sub(q)).sum(false, -1); // (B, T)
        Tensor klQp = q.exp().mul(q.sub(p)).sum(false, -1);
        Tensor keep = labels.ne(-100).to(p.dtype());
        Tensor symmetric = klPq.add(klQp).mul(0.5).mul(keep).sum().div(Math.max(1.0, keep.sum().item()));
        return first.loss().add(second.loss()).mul(0.5).add(symmetric.mul(config.consistencyWeight()));
    }

    /** Offsets the second pass's micro-batch index in the random key, far from any real micro-batch. */
    private static final int SECOND_PASS = 1 << 24;

    /** Which (down, up) expert each location used in the last training forward pass (for tests). */
    Map<SublayerSite, int[]> lastRouting() {
        return Collections.unmodifiableMap(lastRouting);
    }

    Map<SublayerSite, Mixture> mixtures() {
        return mixtures;
    }

    /**
     * Writes the averaged adapter into dir as an ordinary bottleneck adapter in AdapterHub's layout
     * (adapter_config.json + adapter.safetensors), which lora4j's bottleneck method and AdapterHub load.
     * It computes what this adapter computes in evaluation.
     *
     * @param dir                 the directory to write; created if missing
     * @param baseModelNameOrPath the base model's name or path, recorded in the config (null: none)
     * @throws Lora4jException if a file cannot be written
     */
    public void exportAveraged(Path dir, String baseModelNameOrPath) {
        try (Scope scope = Scope.open(); var noGrad = Autograd.noGrad()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Mixture m : mixtures.values()) {
                String prefix = m.path() + ".adapters." + config.expert().name() + ".";
                Tensor[] down = mean(m.downs());
                Tensor[] up = mean(m.ups());
                tensors.put(prefix + "adapter_down.0.weight", down[0].detach().contiguous());
                tensors.put(prefix + "adapter_down.0.bias", down[1].detach().contiguous());
                tensors.put(prefix + "adapter_up.weight", up[0].detach().contiguous());
                tensors.put(prefix + "adapter_up.bias", up[1].detach().contiguous());
            }
            ObjectNode json = AdapterHubFiles.configJson(config.expert().bnConfig(), model().config().dModel(),
                    baseModelNameOrPath, config.expert().name());
            Files.createDirectories(dir);
            AtomicFiles.write(dir.resolve(AdapterFiles.CONFIG_FILE),
                    StrictJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
            TensorFiles.save(tensors, Map.of("format", "pt"), dir.resolve(BottleneckMethod.WEIGHTS_FILE));
        } catch (IOException e) {
            throw new Lora4jException("adamix", dir + ": cannot write the averaged adapter: " + e.getMessage(), e);
        }
    }

    @Override
    public AdaMixConfig config() {
        return config;
    }

    /**
     * Every expert's tensors under lora4j's keys: {@code <sublayer>.adapters.<name>.experts.<i>.adapter_down.0.weight}
     * and so on (a shared projection only under expert 0).
     */
    @Override
    public Map<String, Tensor> trainableParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Mixture m : mixtures.values()) {
            String prefix = m.path() + ".adapters." + config.expert().name() + ".experts.";
            for (int i = 0; i < m.downs().size(); i++) {
                out.put(prefix + i + ".adapter_down.0.weight", m.downs().get(i)[0]);
                out.put(prefix + i + ".adapter_down.0.bias", m.downs().get(i)[1]);
            }
            for (int i = 0; i < m.ups().size(); i++) {
                out.put(prefix + i + ".adapter_up.weight", m.ups().get(i)[0]);
                out.put(prefix + i + ".adapter_up.bias", m.ups().get(i)[1]);
            }
        }
        return out;
    }

    @Override
    public Map<String, Tensor> stateDict() {
        return trainableParameters();
    }

    /** lora4j's own config: the mixture's fields and the expert's BnConfig fields, flat. */
    @Override
    public ObjectNode configJson(String baseModelNameOrPath) {
        ObjectNode o = config.toJson();
        o.put("base_model_name_or_path", baseModelNameOrPath);
        return o;
    }

    @Override
    public String mergeRefusal() {
        return "AdaMix cannot be merged into T5's weights: its experts are bottleneck adapters (a non-linear branch); "
                + "export the averaged adapter instead (AdaMixAdapter.exportAveraged writes an AdapterHub bottleneck adapter)";
    }

    @Override
    public String describe() {
        BottleneckConfig e = config.expert();
        return "AdaMix \"" + e.name() + "\": " + config.numExperts() + " experts at " + mixtures.size() + " sublayers (width "
                + e.bottleneckSize(model().config().dModel()) + ", " + e.nonLinearity() + (config.shareDown() ? ", shared down" : "")
                + (config.shareUp() ? ", shared up" : "") + (config.consistencyWeight() > 0
                ? ", consistency weight " + config.consistencyWeight() : "") + ")";
    }
}
