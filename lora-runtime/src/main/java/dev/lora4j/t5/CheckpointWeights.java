package dev.lora4j.t5;

import dev.lora4j.io.ShardedCheckpoint;
import dev.lora4j.nn.LinearLayer;
import dev.lora4j.quant.Linear4bit;
import dev.lora4j.quant.QuantState;
import dev.lora4j.io.TensorInfo;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parameters read from a Hugging Face checkpoint by exact state-dict name. Matching is strict: every
 * parameter the model expects must be present with the expected shape, and every tensor in the
 * checkpoint must be used, except the ones transformers itself tolerates:
 * <ul>
 *   <li>{@code lm_head.weight} may be absent: the head is then tied to {@code shared.weight}; when it is
 *       present with exactly the bytes of the embeddings it is tied too, as transformers ties equal
 *       tensors, so fine-tuning updates one matrix in both places;</li>
 *   <li>{@code encoder.embed_tokens.weight} / {@code decoder.embed_tokens.weight} are copies of
 *       {@code shared.weight} that older checkpoints store; one of them stands in for a missing
 *       {@code shared.weight}, as transformers' symmetric tying does;</li>
 *   <li>{@code decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight} exists in some
 *       checkpoints and is ignored (cross-attention has no position bias), as transformers ignores it.</li>
 * </ul>
 * All problems are collected and reported together when the model is complete ({@link #finish()}).
 * Floating-point tensors are converted to the model's dtype.
 */
final class CheckpointWeights extends T5Weights {
    static final String SHARED = "shared.weight";
    static final String LM_HEAD = "lm_head.weight";
    private static final List<String> SHARED_ALIASES =
            List.of("encoder.embed_tokens.weight", "decoder.embed_tokens.weight");
    private static final Set<String> IGNORED =
            Set.of("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight");

    private final ShardedCheckpoint checkpoint;
    private final Set<String> unused;
    private final List<String> missing = new ArrayList<>();
    private final List<String> mismatched = new ArrayList<>();

    CheckpointWeights(ShardedCheckpoint checkpoint, Device device, DType dtype) {
        super(device, dtype);
        this.checkpoint = checkpoint;
        this.unused = new LinkedHashSet<>(checkpoint.names());
        unused.removeAll(IGNORED);
    }

    @Override
    boolean hasSeparateLmHead() {
        if (!checkpoint.contains(LM_HEAD)) {
            return false;
        }
        String embeddings = storedName(SHARED);
        boolean sameAsEmbeddings = embeddings != null
                && checkpoint.info(embeddings).dtype() == checkpoint.info(LM_HEAD).dtype()
                && Arrays.equals(checkpoint.info(embeddings).shape(), checkpoint.info(LM_HEAD).shape())
                && checkpoint.data(embeddings).mismatch(checkpoint.data(LM_HEAD)) == -1;
        if (sameAsEmbeddings) {
            unused.remove(LM_HEAD); // a stored copy of the tied head
        }
        return !sameAsEmbeddings;
    }

    @Override
    protected Tensor produce(String name, long[] shape, DType type, Init init) {
        String stored = storedName(name);
        if (stored == null) {
            missing.add(name + " " + Arrays.toString(shape));
            return Tensor.empty(type, Device.CPU, shape); // a placeholder; finish() fails the load
        }
        unused.remove(stored);
        if (stored.equals(SHARED) || SHARED_ALIASES.contains(stored)) {
            unused.remove(SHARED);
            unused.removeAll(SHARED_ALIASES);
        }
        TensorInfo info = checkpoint.info(stored);
        if (!Arrays.equals(info.shape(), shape)) {
            mismatched.add(stored + ": checkpoint " + Arrays.toString(info.shape()) + ", model " + Arrays.toString(shape));
            return Tensor.empty(type, Device.CPU, shape);
        }
        if (!info.dtype().isFloatingPoint()) {
            mismatched.add(stored + ": dtype " + info.dtype() + " is not floating point");
            return Tensor.empty(type, Device.CPU, shape);
        }
        Tensor read = Tensor.of(checkpoint.data(stored), info.dtype(), device, shape);
        if (info.dtype() == type) {
            return read;
        }
        try (read) {
            return read.to(type);
        }
    }

    /**
     * A 4-bit layer of a checkpoint transformers saved with a bitsandbytes config: {@code <path>.weight} (packed
     * uint8) with its {@code .absmax}, {@code .quant_map}, {@code .nested_*} and {@code .quant_state.bitsandbytes__*}
     * tensors. Checked against its JSON item and the shape the model expects; errors name the tensor and file.
     */
    @Override
    protected LinearLayer storedQuantized(String path, long out, long in) {
        String prefix = path + ".weight";
        String[] suffixes = {"", ".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map",
                ".quant_state.bitsandbytes__nf4", ".quant_state.bitsandbytes__fp4"};
        if (!checkpoint.contains(prefix + suffixes[5]) && !checkpoint.contains(prefix + suffixes[6])) {
            return null;
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        String source = checkpoint.shardOf(prefix + (checkpoint.contains(prefix + suffixes[5]) ? suffixes[5] : suffixes[6])).toString();
        try {
            for (String suffix : suffixes) {
                String key = prefix + suffix;
                if (checkpoint.contains(key)) {
                    TensorInfo info = checkpoint.info(key);
                    tensors.put(key, Tensor.of(checkpoint.data(key), info.dtype(), device, info.shape()));
                    unused.remove(key);
                }
            }
            QuantState state = QuantState.fromCheckpoint(prefix, tensors, source);
            if (!Arrays.equals(state.shape(), new long[] {out, in})) {
                state.close();
                throw new Lora4jException("t5 load", source + ": " + prefix + " is a 4-bit weight of shape " + Arrays.toString(state.shape())
                        + " but the model's config needs " + Arrays.toString(new long[] {out, in}));
            }
            return new Linear4bit(state, computeDType());
        } catch (RuntimeException e) {
            tensors.values().forEach(Tensor::close);
            throw e;
        }
    }

    private String storedName(String name) {
        if (checkpoint.contains(name)) {
            return name;
        }
        if (name.equals(SHARED)) {
            for (String alias : SHARED_ALIASES) {
                if (checkpoint.contains(alias)) {
                    return alias;
                }
            }
        }
        return null;
    }

    @Override
    void finish() {
        if (missing.isEmpty() && mismatched.isEmpty() && unused.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder(checkpoint.directory() + ": checkpoint does not match the T5 config");
        if (!missing.isEmpty()) {
            message.append("; missing ").append(listed(missing));
        }
        if (!mismatched.isEmpty()) {
            message.append("; wrong shape or dtype ").append(listed(mismatched));
        }
        if (!unused.isEmpty()) {
            message.append("; unexpected ").append(listed(List.copyOf(unused)));
        }
        throw new Lora4jException("t5 load", message.toString());
    }

    /** "3: [a, b, c]", or the first few and a count, so a wholly different checkpoint gives a readable error. */
    private static String listed(List<String> items) {
        int shown = Math.min(items.size(), 8);
        String head = String.join(", ", items.subList(0, shown));
        return items.size() + ": [" + head + (shown < items.size() ? ", ... " + (items.size() - shown) + " more" : "") + "]";
    }
}
