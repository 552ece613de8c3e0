package dev.lora4j.quant;

import dev.lora4j.nn.Linear;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.t5.T5ForConditionalGeneration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a loaded T5 into a 4-bit base as transformers' {@code from_pretrained(..., quantization_config=
 * BitsAndBytesConfig(load_in_4bit=True))} does: every dense linear layer (attention q, k, v, o and the
 * feed-forward wi/wi_0/wi_1, and the head unless kept) is quantized from the weights as loaded (so a float32
 * checkpoint loaded as float32 gives the bytes transformers gives) and replaced by a {@link Linear4bit};
 * the kept modules (T5: {@code wo}, {@code lm_head}), the embeddings and the norms stay as they are.
 * Each dense weight is freed as soon as its 4-bit form exists, and the freed memory is handed back to the
 * operating system at the end (glibc's {@code malloc_trim}) instead of staying in the process's heap.
 */
public final class T5Quantization {
    private T5Quantization() {}

    /**
     * Replaces every 4-bit layer by a dense {@link Linear} holding its dequantized weight (in the weight's
     * original dtype): the first half of a QLoRA merge, after which the adapter merges as over any dense base
     * and the model saves as a float checkpoint. Re-quantizing the merged weights would round them again, so
     * the merged model stays float (PEFT instead re-quantizes, with a warning). Returns the paths replaced.
     *
     * @param model the model to change in place; its 4-bit layers are closed
     * @return the module paths of the layers replaced, in model order
     */
    public static List<String> dequantize(T5ForConditionalGeneration model) {
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, ? extends LinearLayer> e : model.slots(LinearLayer.class).entrySet().stream()
                .map(s -> Map.entry(s.getKey(), s.getValue().get())).toList()) {
            if (e.getValue() instanceof Linear4bit q) {
                Linear dense = dev.lora4j.tensor.Scope.detached(() -> {
                    try (var noGrad = dev.lora4j.tensor.Autograd.noGrad()) {
                        return new Linear(q.dequantizedWeight(), null);
                    }
                });
                model.replaceLinear(e.getKey(), dense).close();
                done.add(e.getKey());
            }
        }
        return done;
    }

    /**
     * Quantizes model in place; returns the paths of the layers now 4-bit, in model order.
     *
     * @param model  the model to change; each dense layer quantized is closed
     * @param config the 4-bit settings and the modules to keep
     * @return the module paths of the layers now 4-bit, in model order
     */
    public static List<String> quantize(T5ForConditionalGeneration model, QuantConfig config) {
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, ? extends LinearLayer> e : model.slots(LinearLayer.class).entrySet().stream()
                .map(s -> Map.entry(s.getKey(), s.getValue().get())).toList()) {
            String path = e.getKey();
            if (config.keeps(path) || !(e.getValue() instanceof Linear dense)) {
                continue;
            }
            Linear4bit quantized = Linear4bit.quantize(dense, config.type(), config.blocksize(), config.doubleQuant(),
                    config.computeDType());
            model.replaceLinear(path, quantized).close();
            done.add(path);
        }
        // The float32 weights just freed stay in glibc's heap otherwise: about 2 GiB of flan-t5-large.
        dev.lora4j.internal.NativeHeap.trim();
        return done;
    }
}
