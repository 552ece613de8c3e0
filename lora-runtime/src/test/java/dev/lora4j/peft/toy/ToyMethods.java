package dev.lora4j.peft.toy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.nn.RandomKey;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.ConfigFields;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.t5.T5Hooks;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Three toy methods, one per T5 hook point, found through the registry like any method
 * (src/test/resources/META-INF/services/dev.lora4j.peft.PeftMethod): they show that a method attaches to
 * the model, trains, saves and loads without any change to t5/, train/ or the CLI.
 * <ul>
 *   <li>TOY_PROMPT: P trainable rows prepended to the encoder input (input hook);</li>
 *   <li>TOY_PREFIX: P trainable keys/values per decoder self-attention layer (prefix hook);</li>
 *   <li>TOY_SUBLAYER: every feed-forward sublayer's output plus gain · tanh(normed input) (sublayer hook).</li>
 * </ul>
 * Their tensors are float32, initialised N(0, 1) (gain: 0.5) from the seed.
 */
public final class ToyMethods {
    private ToyMethods() {}

    /** A toy's settings: only its type and, for prompt and prefix, P. */
    public record ToyConfig(ToyMethod method, int virtualTokens) implements MethodConfig {
        @Override
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("peft_type", method.peftType());
            o.put("num_virtual_tokens", virtualTokens);
            return o;
        }
    }

    /** What the three toys share: config reading and the adapter plumbing. */
    public abstract static class ToyMethod implements PeftMethod {
        @Override
        public String description() {
            return "a toy method for tests (" + peftType() + ")";
        }

        @Override
        public List<ConfigOption> options() {
            return List.of(new ConfigOption(List.of("--toy-tokens"), "num_virtual_tokens", ConfigOption.Type.INT, "P",
                    null, "toy virtual tokens"));
        }

        @Override
        public ToyConfig readConfig(ObjectNode json, String source) {
            ConfigFields f = new ConfigFields(json, source);
            int p = f.integer("num_virtual_tokens", defaultTokens());
            if (p < 1) {
                throw f.error("num_virtual_tokens", "must be at least 1, got " + p);
            }
            return new ToyConfig(this, p);
        }

        int defaultTokens() {
            return 2;
        }

        @Override
        public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
            model.requiresGrad(false);
            ToyConfig toy = (ToyConfig) config;
            Map<String, Tensor> tensors;
            try (Generator g = new Generator(seed)) {
                tensors = Scope.detached(() -> create(model.config(), toy.virtualTokens(), g));
            }
            tensors.values().forEach(t -> t.requiresGrad(true));
            ToyAdapter adapter = new ToyAdapter(model, toy, tensors);
            adapter.registrations.add(model.hooks().own(() -> tensors.values().forEach(Tensor::close)));
            adapter.registrations.add(hook(model.hooks(), tensors, adapter));
            return adapter;
        }

        abstract Map<String, Tensor> create(T5Config config, int p, Generator g);

        abstract T5Hooks.Registration hook(T5Hooks hooks, Map<String, Tensor> tensors, ToyAdapter adapter);
    }

    public static final class PromptMethod extends ToyMethod {
        @Override
        public String peftType() {
            return "TOY_PROMPT";
        }

        @Override
        public String name() {
            return "toy-prompt";
        }

        @Override
        int defaultTokens() {
            return 3;
        }

        @Override
        Map<String, Tensor> create(T5Config config, int p, Generator g) {
            return Map.of("prompt", Tensor.randn(g, DType.FLOAT32, dev.lora4j.tensor.Device.CPU, p, config.dModel()));
        }

        @Override
        T5Hooks.Registration hook(T5Hooks hooks, Map<String, Tensor> tensors, ToyAdapter adapter) {
            return hooks.addInputHook(in -> {
                if (!adapter.enabled) {
                    return in;
                }
                Tensor prompt = tensors.get("prompt"); // (P, d_model)
                long rows = in.embeddings().size(0);
                long p = prompt.size(0);
                Tensor rowsPrompt = prompt.to(in.embeddings().dtype()).unsqueeze(0).expand(rows, p, prompt.size(1));
                Tensor keep = Tensor.ones(DType.BOOL, in.keep().device(), rows, p);
                return new T5Hooks.EncoderInput(Tensor.cat(1, rowsPrompt, in.embeddings()), Tensor.cat(1, keep, in.keep()));
            });
        }
    }

    public static final class PrefixMethod extends ToyMethod {
        @Override
        public String peftType() {
            return "TOY_PREFIX";
        }

        @Override
        public String name() {
            return "toy-prefix";
        }

        @Override
        Map<String, Tensor> create(T5Config config, int p, Generator g) {
            long[] shape = {config.numDecoderLayers(), config.numHeads(), p, config.dKv()};
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("prefix_keys", Tensor.randn(g, DType.FLOAT32, dev.lora4j.tensor.Device.CPU, shape));
            out.put("prefix_values", Tensor.randn(g, DType.FLOAT32, dev.lora4j.tensor.Device.CPU, shape));
            return out;
        }

        @Override
        T5Hooks.Registration hook(T5Hooks hooks, Map<String, Tensor> tensors, ToyAdapter adapter) {
            return hooks.addPrefixHook((site, rows) -> {
                if (!adapter.enabled || site.stack() != T5Hooks.Stack.DECODER || site.kind() != T5Hooks.AttentionKind.SELF) {
                    return null;
                }
                Tensor k = tensors.get("prefix_keys").narrow(0, site.layer(), 1); // (1, H, P, d_kv)
                Tensor v = tensors.get("prefix_values").narrow(0, site.layer(), 1);
                return new T5Hooks.Prefix(k.expand(rows, k.size(1), k.size(2), k.size(3)),
                        v.expand(rows, v.size(1), v.size(2), v.size(3)));
            });
        }
    }

    public static final class SublayerMethod extends ToyMethod {
        @Override
        public String peftType() {
            return "TOY_SUBLAYER";
        }

        @Override
        public String name() {
            return "toy-sublayer";
        }

        @Override
        Map<String, Tensor> create(T5Config config, int p, Generator g) {
            return Map.of("gain", Tensor.full(0.5, DType.FLOAT32, dev.lora4j.tensor.Device.CPU, 1));
        }

        @Override
        T5Hooks.Registration hook(T5Hooks hooks, Map<String, Tensor> tensors, ToyAdapter adapter) {
            return hooks.addSublayerHook((site, residual, normed, output) -> {
                if (!adapter.enabled || site.kind() != T5Hooks.SublayerKind.FEED_FORWARD) {
                    return output;
                }
                return output.add(normed.tanh().mul(tensors.get("gain").to(output.dtype())));
            });
        }
    }

    /** A toy attached: its tensors (file keys = names) and hook registrations. */
    static final class ToyAdapter implements Adapter {
        private final T5ForConditionalGeneration model;
        private final ToyConfig config;
        private final Map<String, Tensor> tensors;
        final List<T5Hooks.Registration> registrations = new ArrayList<>();
        boolean enabled = true;

        ToyAdapter(T5ForConditionalGeneration model, ToyConfig config, Map<String, Tensor> tensors) {
            this.model = model;
            this.config = config;
            this.tensors = new LinkedHashMap<>(tensors);
        }

        @Override
        public ToyConfig config() {
            return config;
        }

        @Override
        public T5ForConditionalGeneration model() {
            return model;
        }

        @Override
        public Map<String, Tensor> trainableParameters() {
            return tensors;
        }

        @Override
        public Map<String, Tensor> stateDict() {
            return tensors;
        }

        @Override
        public ObjectNode configJson(String baseModelNameOrPath) {
            return config.toJson().put("base_model_name_or_path", baseModelNameOrPath);
        }

        @Override
        public void train(RandomKey key) {
            model.train(key);
        }

        @Override
        public void eval() {
            model.eval();
        }

        @Override
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        @Override
        public boolean isMerged() {
            return false;
        }

        @Override
        public void detach() {
            registrations.forEach(T5Hooks.Registration::close); // removes the hook, frees the tensors
        }

        @Override
        public String describe() {
            return config.method().name() + " (" + tensors.keySet() + ")";
        }
    }
}
