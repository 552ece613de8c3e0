package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * T5's tokenizer (t5-small/base/large, t5-v1_1, flan-t5: one SentencePiece unigram vocabulary),
 * loaded from a checkpoint's {@code tokenizer.json} or {@code spiece.model} and producing the same
 * ids and text as the Python reference for that file: Hugging Face {@code tokenizers} for
 * {@code tokenizer.json}, {@code sentencepiece} for {@code spiece.model}. The two files can disagree
 * on unusual input (see docs/TOKENIZER.md), so which one is loaded matters.
 *
 * <p>Encoding appends {@code </s>}; {@code <pad>}, {@code </s>}, {@code <unk>} and
 * {@code <extra_id_0>}..{@code <extra_id_99>} written in the text become their ids. Instances are
 * immutable and thread-safe; every call works in its own scratch space.
 *
 * <pre>{@code
 * Tokenizer tok = T5Tokenizer.load(Path.of("flan-t5-small"));
 * BatchEncoding batch = tok.encodeBatch(texts,
 *         EncodeOptions.builder().truncateTo(512).padding(Padding.LONGEST).build());
 * String text = tok.decode(ids, true);
 * }</pre>
 */
public final class T5Tokenizer implements Tokenizer {

    /** Which Python tokenizer a {@code tokenizer.json} load reproduces. */
    public enum Compatibility {
        /**
         * {@code tokenizers.Tokenizer.from_file(path)} (and transformers 4.x): the normalizer,
         * pre-tokenizer and decoder written in the file.
         */
        TOKENIZERS,
        /**
         * transformers 5's {@code T5Tokenizer.from_pretrained(dir)}, which keeps the file's vocabulary,
         * added tokens and charsmap but replaces the rest with its own legacy pipeline (charsmap only,
         * whitespace split, Metaspace). For flan-t5-small's file this changes the ids of about one
         * text in ten that has runs of whitespace.
         */
        TRANSFORMERS_5
    }

    private static final String TOKENIZER_JSON = "tokenizer.json";
    private static final String SPIECE_MODEL = "spiece.model";

    private final String source;
    private final ContentEncoder encoder;
    private final IdDecoder decoder;
    private final String[] tokenById;
    private final Map<String, Integer> idByToken;
    private final int[] prefixIds;
    private final int[] suffixIds;
    private final int padId;
    private final int eosId;
    private final int unkId;
    private final boolean cleanUpTokenizationSpaces;

    T5Tokenizer(String source, ContentEncoder encoder, IdDecoder decoder, String[] tokenById,
            Map<String, Integer> idByToken, int[] prefixIds, int[] suffixIds, int padId, int eosId, int unkId,
            boolean cleanUpTokenizationSpaces) {
        this.source = source;
        this.encoder = encoder;
        this.decoder = decoder;
        this.tokenById = tokenById.clone();
        this.idByToken = Map.copyOf(idByToken);
        this.prefixIds = prefixIds.clone();
        this.suffixIds = suffixIds.clone();
        this.padId = padId;
        this.eosId = eosId;
        this.unkId = unkId;
        this.cleanUpTokenizationSpaces = cleanUpTokenizationSpaces;
    }

    /**
     * Loads from a checkpoint directory (its {@code tokenizer.json} when present, else its
     * {@code spiece.model}, reading {@code tokenizer_config.json} for the decode clean-up setting and
     * the sentinel count) or from a single tokenizer file (recognised by content; defaults for the
     * rest).
     *
     * @param path a checkpoint directory, or a {@code tokenizer.json} or {@code spiece.model} file; must exist
     * @return the loaded tokenizer
     */
    public static T5Tokenizer load(Path path) {
        return load(path, Compatibility.TOKENIZERS);
    }

    /**
     * Like {@link #load(Path)}, choosing which Python tokenizer a {@code tokenizer.json} load reproduces.
     *
     * @param path a checkpoint directory, or a {@code tokenizer.json} or {@code spiece.model} file; must exist
     * @param compatibility which Python tokenizer to match; ignored for {@code spiece.model}
     * @return the loaded tokenizer
     */
    public static T5Tokenizer load(Path path, Compatibility compatibility) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(compatibility, "compatibility");
        if (Files.isDirectory(path)) {
            TokenizerConfig config = TokenizerConfig.readFromDirectory(path);
            Path json = path.resolve(TOKENIZER_JSON);
            if (Files.isRegularFile(json)) {
                return TokenizerJsonLoader.load(TokenizerFiles.read(json), json.toString(), config, compatibility);
            }
            Path model = path.resolve(SPIECE_MODEL);
            if (Files.isRegularFile(model)) {
                return SentencePieceLoader.load(TokenizerFiles.read(model), model.toString(), config);
            }
            throw new Lora4jException("tokenizer.load", path + " has neither " + TOKENIZER_JSON + " nor "
                    + SPIECE_MODEL);
        }
        if (!Files.isRegularFile(path)) {
            throw new Lora4jException("tokenizer.load", path + " does not exist");
        }
        byte[] data = TokenizerFiles.read(path);
        return TokenizerFiles.looksLikeJson(data)
                ? TokenizerJsonLoader.load(data, path.toString(), TokenizerConfig.DEFAULTS, compatibility)
                : SentencePieceLoader.load(data, path.toString(), TokenizerConfig.DEFAULTS);
    }

    /**
     * Loads a Hugging Face {@code tokenizer.json} as {@code tokenizers.Tokenizer.from_file} would.
     *
     * @param file the {@code tokenizer.json} file; must exist
     * @return the loaded tokenizer
     */
    public static T5Tokenizer fromTokenizerJson(Path file) {
        return TokenizerJsonLoader.load(TokenizerFiles.read(file), file.toString(), TokenizerConfig.DEFAULTS,
                Compatibility.TOKENIZERS);
    }

    /**
     * Loads a SentencePiece model with T5's 100 sentinels.
     *
     * @param file the SentencePiece {@code spiece.model} file; must exist
     * @return the loaded tokenizer
     */
    public static T5Tokenizer fromSentencePieceModel(Path file) {
        return fromSentencePieceModel(file, TokenizerConfig.DEFAULTS.extraIds());
    }

    /**
     * Loads a SentencePiece model with {@code extraIds} sentinels {@code <extra_id_N>}.
     *
     * @param file the SentencePiece {@code spiece.model} file; must exist
     * @param extraIds the number of sentinel tokens to append to the vocabulary; at least 0
     * @return the loaded tokenizer
     */
    public static T5Tokenizer fromSentencePieceModel(Path file, int extraIds) {
        if (extraIds < 0) {
            throw new Lora4jException("tokenizer.load", "extraIds must be >= 0, got " + extraIds);
        }
        return SentencePieceLoader.load(TokenizerFiles.read(file), file.toString(),
                new TokenizerConfig(TokenizerConfig.DEFAULTS.cleanUpTokenizationSpaces(), extraIds));
    }

    /**
     * A copy whose {@link #decode(int[], boolean)} cleans up tokenization spaces as given.
     *
     * @param cleanUp whether two-argument decode removes spaces before punctuation and contractions
     * @return a new tokenizer sharing this one's vocabulary
     */
    public T5Tokenizer withCleanUpTokenizationSpaces(boolean cleanUp) {
        return new T5Tokenizer(source, encoder, decoder, tokenById, idByToken, prefixIds, suffixIds, padId, eosId,
                unkId, cleanUp);
    }

    /**
     * Where this tokenizer came from and which reference it follows.
     *
     * @return a description of the loaded file and the reference it matches
     */
    public String source() {
        return source;
    }

    /**
     * Whether {@link #decode(int[], boolean)} applies transformers' space clean-up.
     *
     * @return true when two-argument decode cleans up tokenization spaces
     */
    public boolean cleansUpTokenizationSpaces() {
        return cleanUpTokenizationSpaces;
    }

    @Override
    public int[] encode(String text, EncodeOptions options) {
        EncodeWorkspace ws = EncodeWorkspace.acquire();
        try {
            return encode(text, options, ws);
        } finally {
            ws.release();
        }
    }

    @Override
    public BatchEncoding encodeBatch(List<String> texts, EncodeOptions options) {
        EncodeWorkspace ws = EncodeWorkspace.acquire();
        try {
            int[][] ids = new int[texts.size()][];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = encode(texts.get(i), options, ws);
            }
            return Batching.pad(ids, options, padId);
        } finally {
            ws.release();
        }
    }

    private int[] encode(String text, EncodeOptions options, EncodeWorkspace ws) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(options, "options");
        IntList out = ws.ids;
        out.clear();
        encoder.encode(CharClasses.withoutLoneSurrogates(text), ws, out);
        int[] content = out.toArray();
        if (!options.addSpecialTokens()) {
            return Batching.truncateContent(content, 0, options);
        }
        content = Batching.truncateContent(content, prefixIds.length + suffixIds.length, options);
        int[] ids = new int[prefixIds.length + content.length + suffixIds.length];
        System.arraycopy(prefixIds, 0, ids, 0, prefixIds.length);
        System.arraycopy(content, 0, ids, prefixIds.length, content.length);
        System.arraycopy(suffixIds, 0, ids, prefixIds.length + content.length, suffixIds.length);
        return ids;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids, skipSpecialTokens, cleanUpTokenizationSpaces);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens, boolean cleanUp) {
        Objects.requireNonNull(ids, "ids");
        String text = decoder.decode(ids, skipSpecialTokens);
        return cleanUp ? CleanUp.cleanUpTokenization(text) : text;
    }

    @Override
    public int vocabSize() {
        return tokenById.length;
    }

    @Override
    public int padTokenId() {
        return padId;
    }

    @Override
    public int eosTokenId() {
        return eosId;
    }

    @Override
    public int unkTokenId() {
        return unkId;
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = idByToken.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public Optional<String> idToToken(int id) {
        return id < 0 || id >= tokenById.length ? Optional.empty() : Optional.ofNullable(tokenById[id]);
    }

    /**
     * The id of {@code <extra_id_n>}, the sentinel T5 uses for the n-th masked span.
     *
     * @param n the sentinel's index, from 0
     * @return the sentinel's token id
     * @throws dev.lora4j.Lora4jException when the vocabulary has no such sentinel
     */
    public int sentinelId(int n) {
        return tokenToId("<extra_id_" + n + ">").orElseThrow(
                () -> new Lora4jException("tokenizer.sentinel", "this tokenizer has no <extra_id_" + n + ">"));
    }

    @Override
    public String toString() {
        return "T5Tokenizer[" + source + ", " + tokenById.length + " ids]";
    }
}
