package dev.lora4j.t5;

import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The points where a method attaches to a T5 model without replacing a layer. Each kind of hook is
 * fired from exactly one place in the model, and that place serves training, scoring and generation
 * (greedy and beam) alike:
 * <ul>
 *   <li>{@link InputHook}: sees the encoder's input embeddings and keep-mask and may prepend rows
 *       (prompt tuning, P-tuning); the extended mask is the one cross-attention uses;</li>
 *   <li>{@link PrefixHook}: extra keys and values for one attention (prefix tuning); the position bias
 *       then covers the longer key range with the queries offset by the prefix length, exactly as a
 *       transformers cache of that length would, and generation pre-fills its cache with it;</li>
 *   <li>{@link SublayerHook}: sees a sublayer's residual input, normed input and output (after dropout,
 *       before the residual add) and may change the output (bottleneck adapters).</li>
 * </ul>
 * Several hooks of one kind apply in the order they were added. Adding returns a {@link Registration}
 * that removes the hook again.
 */
public final class T5Hooks {
    /** The encoder or the decoder. */
    public enum Stack {
        /** The encoder stack. */
        ENCODER,
        /** The decoder stack. */
        DECODER
    }

    /** Self-attention or cross-attention (decoder only). */
    public enum AttentionKind {
        /** Self-attention: queries, keys and values from the same sequence. */
        SELF,
        /** Cross-attention: the decoder's queries over the encoder output's keys and values. */
        CROSS
    }

    /** T5's three sublayers: layer.0 self-attention, layer.1 cross-attention (decoder), the FFN last. */
    public enum SublayerKind {
        /** layer.0, the self-attention sublayer. */
        SELF_ATTENTION,
        /** layer.1 of a decoder block, the cross-attention sublayer. */
        CROSS_ATTENTION,
        /** The last layer of a block, the feed-forward sublayer. */
        FEED_FORWARD
    }

    /**
     * One attention of the model: stack, block index, and which attention of the block.
     *
     * @param stack the encoder or the decoder
     * @param layer the block index within the stack, counted from 0
     * @param kind  self- or cross-attention (cross only in the decoder)
     */
    public record AttentionSite(Stack stack, int layer, AttentionKind kind) {}

    /**
     * One sublayer of the model.
     *
     * @param stack the encoder or the decoder
     * @param layer the block index within the stack, counted from 0
     * @param kind  which sublayer of the block
     */
    public record SublayerSite(Stack stack, int layer, SublayerKind kind) {}

    /**
     * Encoder input: embeddings (B, S, d_model) and keep-mask (B, S) bool, false at padding.
     *
     * @param embeddings the input embeddings (B, S, d_model)
     * @param keep       the keep-mask (B, S) bool, true at tokens and false at padding
     */
    public record EncoderInput(Tensor embeddings, Tensor keep) {}

    /**
     * Extra keys and values (N, heads, P, d_kv) that every query of the attention may see.
     *
     * @param keys          the prefix keys (N, heads, P, d_kv)
     * @param values        the prefix values, the same shape as keys
     * @param offsetQueries how the relative position bias places the tokens: true puts the queries at
     *                      positions P.., after the prefix, as a transformers cache of length P does (PEFT's
     *                      prefix tuning), so tokens keep their distances to each other; false leaves the
     *                      queries at 0.. while the keys run 0..P+T, as AdapterHub's prefix tuning computes it
     */
    public record Prefix(Tensor keys, Tensor values, boolean offsetQueries) {
        /**
         * A prefix with the queries placed after it (PEFT's convention).
         *
         * @param keys   the prefix keys (N, heads, P, d_kv)
         * @param values the prefix values, the same shape as keys
         */
        public Prefix(Tensor keys, Tensor values) {
            this(keys, values, true);
        }

        /**
         * Checks that keys and values are both 4-dimensional and of one shape.
         *
         * @param keys          the prefix keys (N, heads, P, d_kv)
         * @param values        the prefix values, the same shape as keys
         * @param offsetQueries true to place the queries after the prefix, false to leave them at 0..
         */
        public Prefix {
            if (keys.dim() != 4 || !java.util.Arrays.equals(keys.shape(), values.shape())) {
                throw new Lora4jException("prefix", "prefix keys and values must both be (N, heads, P, d_kv), got "
                        + java.util.Arrays.toString(keys.shape()) + " and " + java.util.Arrays.toString(values.shape()));
            }
        }

        /**
         * The prefix length.
         *
         * @return P, the number of prefix positions
         */
        public long length() {
            return keys.size(2);
        }
    }

    /** Prompt tuning's point: returns the input to encode (the same, or with rows prepended). */
    @FunctionalInterface
    public interface InputHook {
        /**
         * Transforms the encoder's input.
         *
         * @param input the embeddings and keep-mask so far (after earlier input hooks)
         * @return the input to encode: embeddings (B, S', d_model) and keep-mask (B, S') for the same batch
         */
        EncoderInput apply(EncoderInput input);
    }

    /** Prefix tuning's point: the prefix for rows (batch) of one attention, or null for none there. */
    @FunctionalInterface
    public interface PrefixHook {
        /**
         * The prefix this hook adds at one attention.
         *
         * @param site the attention asking
         * @param rows the number of rows (batch size N) the prefix must have
         * @return keys and values (rows, heads, P, d_kv), or null for no prefix at this site
         */
        Prefix prefix(AttentionSite site, long rows);
    }

    /**
     * Adapters' point: the sublayer's new output (B, T, d_model). The hook must work position by
     * position: in a padding-free training forward ({@link T5ForConditionalGeneration#forwardPaddingFree})
     * it sees only the computed positions, packed as (1, N, d_model).
     */
    @FunctionalInterface
    public interface SublayerHook {
        /**
         * Computes the sublayer's new output from what it saw and produced.
         *
         * @param site     the sublayer the hook fires at
         * @param residual the sublayer's input, the residual stream (B, T, d_model), or (1, N, d_model) packed
         * @param normed   the input after the sublayer's layer norm, shaped like residual
         * @param output   what the sublayer adds to the residual stream (after dropout), shaped like residual
         * @return the output to add to the residual stream instead, shaped like residual
         */
        Tensor apply(SublayerSite site, Tensor residual, Tensor normed, Tensor output);
    }

    /** Removes the hook it was returned for. Idempotent. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    private final List<AutoCloseable> owned = new ArrayList<>();
    private final List<InputHook> inputHooks = new ArrayList<>();
    private final List<PrefixHook> prefixHooks = new ArrayList<>();
    private final List<SublayerHook> sublayerHooks = new ArrayList<>();

    T5Hooks() {}

    /**
     * Attaches an input hook, applied after those added before it.
     *
     * @param hook the hook; not null
     * @return a registration whose close removes the hook
     */
    public Registration addInputHook(InputHook hook) {
        return add(inputHooks, hook);
    }

    /**
     * Attaches a prefix hook; its prefix is appended after those of hooks added before it.
     *
     * @param hook the hook; not null
     * @return a registration whose close removes the hook
     */
    public Registration addPrefixHook(PrefixHook hook) {
        return add(prefixHooks, hook);
    }

    /**
     * Attaches a sublayer hook, applied to the output of those added before it.
     *
     * @param hook the hook; not null
     * @return a registration whose close removes the hook
     */
    public Registration addSublayerHook(SublayerHook hook) {
        return add(sublayerHooks, hook);
    }

    /**
     * Hands the model something a method keeps outside the module tree (its prompt table, say), to be
     * closed with the model unless the method releases it first by closing the returned registration.
     * So a model closed with a method still attached frees everything, as it does for wrapped layers.
     *
     * @param resource what to close with the model; not null
     * @return a registration whose close releases and closes the resource now
     */
    public Registration own(AutoCloseable resource) {
        Objects.requireNonNull(resource, "resource");
        owned.add(resource);
        return () -> {
            if (owned.remove(resource)) {
                closeQuietly(resource);
            }
        };
    }

    /**
     * Whether no hook of any kind is attached and nothing is owned.
     *
     * @return true when there are no hooks and no owned resources
     */
    public boolean isEmpty() {
        return inputHooks.isEmpty() && prefixHooks.isEmpty() && sublayerHooks.isEmpty() && owned.isEmpty();
    }

    /** Closes what methods handed over and removes every hook (the model is closing). */
    void closeAll() {
        List<AutoCloseable> resources = new ArrayList<>(owned);
        owned.clear();
        resources.forEach(T5Hooks::closeQuietly);
        inputHooks.clear();
        prefixHooks.clear();
        sublayerHooks.clear();
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            throw new Lora4jException("hooks", "closing a method's resource failed: " + e.getMessage());
        }
    }

    private static <H> Registration add(List<H> hooks, H hook) {
        Objects.requireNonNull(hook, "hook");
        hooks.add(hook);
        return () -> hooks.remove(hook);
    }

    // ---- firing: each called from exactly one place of the model ----------------------------------

    EncoderInput input(EncoderInput input) {
        for (InputHook hook : inputHooks) {
            EncoderInput next = hook.apply(input);
            long batch = input.embeddings().size(0);
            if (next.embeddings().dim() != 3 || next.embeddings().size(0) != batch
                    || next.embeddings().size(2) != input.embeddings().size(2)
                    || next.keep().dim() != 2 || next.keep().size(0) != batch
                    || next.keep().size(1) != next.embeddings().size(1)) {
                throw new Lora4jException("input hook", "an input hook must return embeddings (B, S', d_model) and a "
                        + "keep-mask (B, S') for the same batch; got " + next.embeddings() + " and " + next.keep());
            }
            input = next;
        }
        return input;
    }

    /** The prefix of one attention: every hook's prefixes concatenated in order, or null for none. */
    Prefix prefix(AttentionSite site, long rows, int heads, int dKv) {
        Prefix combined = null;
        for (PrefixHook hook : prefixHooks) {
            Prefix p = hook.prefix(site, rows);
            if (p == null) {
                continue;
            }
            long[] shape = p.keys().shape();
            if (shape[0] != rows || shape[1] != heads || shape[3] != dKv) {
                throw new Lora4jException("prefix hook", site + ": prefix must be (" + rows + ", " + heads + ", P, " + dKv
                        + "), got " + java.util.Arrays.toString(shape));
            }
            if (combined != null && combined.offsetQueries() != p.offsetQueries()) {
                throw new Lora4jException("prefix hook", site + ": two prefixes place the queries differently "
                        + "(after the prefix and at 0); one attention can hold only one convention");
            }
            combined = combined == null ? p
                    : new Prefix(Tensor.cat(2, combined.keys(), p.keys()), Tensor.cat(2, combined.values(), p.values()),
                    p.offsetQueries());
        }
        return combined;
    }

    Tensor sublayer(SublayerSite site, Tensor residual, Tensor normed, Tensor output) {
        for (SublayerHook hook : sublayerHooks) {
            output = hook.apply(site, residual, normed, output);
        }
        return output;
    }

    boolean hasPrefixHooks() {
        return !prefixHooks.isEmpty();
    }

    boolean hasSublayerHooks() {
        return !sublayerHooks.isEmpty();
    }
}
