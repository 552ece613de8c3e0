package dev.lora4j.t5;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.StrictJson;
import dev.lora4j.nn.Module;
import dev.lora4j.quant.Linear4bit;
import dev.lora4j.quant.QuantState;
import dev.lora4j.tensor.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code quantization_config} transformers writes into config.json for a model loaded with
 * {@code BitsAndBytesConfig(load_in_4bit=True, ...)}, so that {@code from_pretrained} reads a saved 4-bit
 * model back as 4-bit (bitsandbytes' from_prequantized). The block size is not part of it: each weight's
 * quant_state item carries its own.
 */
final class QuantizationConfigJson {
    private QuantizationConfigJson() {}

    /** configJson with quantization_config added when model holds 4-bit layers; unchanged otherwise. */
    static String addTo(String configJson, Module model) {
        List<Linear4bit> layers = new ArrayList<>();
        model.namedModules().values().forEach(m -> {
            if (m instanceof Linear4bit l) {
                layers.add(l);
            }
        });
        if (layers.isEmpty()) {
            return configJson;
        }
        QuantState first = layers.get(0).state();
        for (Linear4bit l : layers) {
            if (l.state().type() != first.type() || l.state().nested() != first.nested() || l.computeDType() != layers.get(0).computeDType()) {
                throw new Lora4jException("t5 save", "transformers' quantization_config has one quant type, double-quant flag and compute "
                        + "dtype for all 4-bit layers; this model mixes them");
            }
        }
        try {
            ObjectNode root = (ObjectNode) StrictJson.parse(configJson);
            ObjectNode q = root.putObject("quantization_config");
            q.put("_load_in_4bit", true);
            q.put("_load_in_8bit", false);
            q.put("bnb_4bit_compute_dtype", name(layers.get(0).computeDType()));
            q.put("bnb_4bit_quant_storage", "uint8");
            q.put("bnb_4bit_quant_type", first.type().jsonName());
            q.put("bnb_4bit_use_double_quant", first.nested());
            q.put("llm_int8_enable_fp32_cpu_offload", false);
            q.put("llm_int8_has_fp16_weight", false);
            q.putNull("llm_int8_skip_modules");
            q.put("llm_int8_threshold", 6.0);
            q.put("load_in_4bit", true);
            q.put("load_in_8bit", false);
            q.put("quant_method", "bitsandbytes");
            DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
            DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
            printer.indentObjectsWith(indenter);
            printer.indentArraysWith(indenter);
            return StrictJson.mapper().writer(printer).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot re-serialise config.json", e);
        }
    }

    private static String name(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "float32";
            case BFLOAT16 -> "bfloat16";
            case FLOAT16 -> "float16";
            default -> throw new IllegalArgumentException(dtype.toString());
        };
    }
}
