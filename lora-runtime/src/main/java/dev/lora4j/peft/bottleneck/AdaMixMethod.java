package dev.lora4j.peft.bottleneck;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.peft.Adapter;
import dev.lora4j.peft.ConfigFields;
import dev.lora4j.peft.ConfigOption;
import dev.lora4j.peft.ConfigOption.Type;
import dev.lora4j.peft.MethodConfig;
import dev.lora4j.peft.PeftMethod;
import dev.lora4j.t5.T5ForConditionalGeneration;
import java.util.ArrayList;
import java.util.List;

/**
 * AdaMix: a mixture of bottleneck adapters per location with stochastic routing in training (one expert
 * per projection, drawn per forward from the run's random key) and the experts' average at inference.
 * Not in PEFT or AdapterHub: its adapter directory is lora4j's own format (docs/ADAMIX.md), and
 * {@link AdaMixAdapter#exportAveraged} writes the averaged adapter in AdapterHub's bottleneck layout.
 */
public final class AdaMixMethod implements PeftMethod {
    /** lora4j's own type: no reference library defines AdaMix. */
    public static final String PEFT_TYPE = "ADAMIX";
    /** The instance configs point to; the registry's instance behaves the same (the method is stateless). */
    public static final AdaMixMethod INSTANCE = new AdaMixMethod();

    /** The constructor {@link java.util.ServiceLoader} calls; code should use {@link #INSTANCE}. */
    public AdaMixMethod() {}

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public String name() {
        return "adamix";
    }

    @Override
    public String description() {
        return "AdaMix: N bottleneck experts per location, routed at random while training, averaged for inference";
    }

    /** The bottleneck options (with AdaMix's defaults where they differ) and the mixture's own. */
    @Override
    public List<ConfigOption> options() {
        AdaMixConfig d = AdaMixConfig.defaults();
        List<ConfigOption> out = new ArrayList<>();
        for (ConfigOption o : BottleneckMethod.INSTANCE.options()) {
            String def = switch (o.field()) {
                case "non_linearity" -> d.expert().nonLinearity();
                case "original_ln_before" -> String.valueOf(d.expert().originalLnBefore());
                default -> o.defaultValue();
            };
            out.add(new ConfigOption(o.names(), o.field(), o.type(), o.paramLabel(), def, o.description(), o.aliases()));
        }
        out.add(new ConfigOption(List.of("--num-experts"), "num_experts", Type.INT, "N", String.valueOf(d.numExperts()),
                "AdaMix experts per location"));
        out.add(new ConfigOption(List.of("--share-down"), "share_down", Type.FLAG, null, null,
                "AdaMix: one down projection shared by all experts"));
        out.add(new ConfigOption(List.of("--share-up"), "share_up", Type.FLAG, null, null,
                "AdaMix: one up projection shared by all experts"));
        out.add(new ConfigOption(List.of("--consistency-weight"), "consistency_weight", Type.NUMBER, "LAMBDA", "0",
                "AdaMix's consistency regularizer: weight of the symmetric KL between two routings (0: off)"));
        return out;
    }

    @Override
    public AdaMixConfig readConfig(ObjectNode json, String source) {
        ConfigFields f = new ConfigFields(json, source);
        AdaMixConfig d = AdaMixConfig.defaults();
        ObjectNode withDefaults = json.deepCopy();
        // The expert's fields default to AdaMix's choices, not to Pfeiffer's.
        if (!f.has("non_linearity")) {
            withDefaults.put("non_linearity", d.expert().nonLinearity());
        }
        if (!f.has("original_ln_before")) {
            withDefaults.put("original_ln_before", d.expert().originalLnBefore());
        }
        BottleneckConfig expert = BottleneckMethod.INSTANCE.readConfig(withDefaults, source);
        int n = f.integer("num_experts", d.numExperts());
        if (n < 1) {
            throw f.error("num_experts", "must be at least 1, got " + n);
        }
        double lambda = f.number("consistency_weight", 0.0);
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw f.error("consistency_weight", "must be a finite number ≥ 0, got " + lambda);
        }
        return new AdaMixConfig(expert, n, f.bool("share_down", false), f.bool("share_up", false), lambda);
    }

    @Override
    public Adapter attach(T5ForConditionalGeneration model, MethodConfig config, long seed) {
        if (!(config instanceof AdaMixConfig adamix)) {
            throw new Lora4jException("adamix", "not an AdaMix config: " + config);
        }
        return AdaMixAdapter.attach(model, adamix, seed);
    }
}
