package dev.lora4j.tokenizer;

import dev.lora4j.Lora4jException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * ByT5's byte-level tokenizer, equal to transformers' {@code ByT5Tokenizer}: no vocabulary file;
 * {@code <pad>}=0, {@code </s>}=1, {@code <unk>}=2, UTF-8 byte {@code b} is id {@code b + 3}, and the
 * sentinels {@code <extra_id_0>}, {@code <extra_id_1>}, ... follow from id 259 (transformers
 * numbers them upwards here, unlike T5's). Immutable and thread-safe.
 *
 * <p>Details kept from transformers: special tokens written in the text are matched first, and
 * {@code <pad>}, {@code </s>} and {@code <unk>} swallow the Python whitespace next to them;
 * {@code </s>} is not appended again when the ids already end with it; decoding joins the bytes and
 * drops ill-formed UTF-8 ({@code errors="ignore"}); there is no clean-up of spaces by default.
 */
public final class ByT5Tokenizer implements Tokenizer {
    /** transformers' default number of sentinels for ByT5. */
    public static final int DEFAULT_EXTRA_IDS = 125;

    private static final int PAD = 0;
    private static final int EOS = 1;
    private static final int UNK = 2;
    private static final int BYTE_OFFSET = 3;
    private static final int FIRST_SENTINEL = BYTE_OFFSET + 256;

    private final int extraIds;
    private final AddedToken[] addedById;
    private final AddedTokenMatcher matcher;
    private final boolean cleanUpTokenizationSpaces;

    private ByT5Tokenizer(int extraIds, boolean cleanUp) {
        this.extraIds = extraIds;
        this.cleanUpTokenizationSpaces = cleanUp;
        List<AddedToken> tokens = new ArrayList<>();
        tokens.add(new AddedToken(PAD, "<pad>", false, true, true, false, true));
        tokens.add(new AddedToken(EOS, "</s>", false, true, true, false, true));
        tokens.add(new AddedToken(UNK, "<unk>", false, true, true, false, true));
        for (int i = 0; i < extraIds; i++) {
            tokens.add(AddedToken.special(FIRST_SENTINEL + i, "<extra_id_" + i + ">"));
        }
        addedById = new AddedToken[FIRST_SENTINEL + extraIds];
        List<String> patterns = new ArrayList<>();
        List<AddedToken> plain = new ArrayList<>();
        for (AddedToken t : tokens) {
            addedById[t.id()] = t;
            patterns.add(t.content());
            // Whitespace is stripped below with Python's rules, not tokenizers'.
            plain.add(new AddedToken(t.id(), t.content(), false, false, false, false, true));
        }
        matcher = new AddedTokenMatcher(plain, patterns);
    }

    /**
     * ByT5's tokenizer with 125 sentinels, as {@code ByT5Tokenizer()} builds it.
     *
     * @return a new tokenizer with 125 sentinels and no space clean-up
     */
    public static ByT5Tokenizer create() {
        return create(DEFAULT_EXTRA_IDS);
    }

    /**
     * ByT5's tokenizer with {@code extraIds} sentinels {@code <extra_id_N>} after the 256 byte ids.
     *
     * @param extraIds the number of sentinels, in 0..100000
     * @return a new tokenizer without space clean-up
     * @throws dev.lora4j.Lora4jException when {@code extraIds} is out of range
     */
    public static ByT5Tokenizer create(int extraIds) {
        if (extraIds < 0 || extraIds > 100_000) {
            throw new Lora4jException("tokenizer.load", "extraIds must be in 0..100000, got " + extraIds);
        }
        return new ByT5Tokenizer(extraIds, false);
    }

    /**
     * A copy whose {@link #decode(int[], boolean)} cleans up tokenization spaces as given.
     *
     * @param cleanUp whether two-argument decode removes spaces before punctuation and contractions
     * @return a new tokenizer with the same sentinels
     */
    public ByT5Tokenizer withCleanUpTokenizationSpaces(boolean cleanUp) {
        return new ByT5Tokenizer(extraIds, cleanUp);
    }

    @Override
    public int[] encode(String text, EncodeOptions options) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(options, "options");
        int[] content = encodeContent(CharClasses.withoutLoneSurrogates(text));
        if (!options.addSpecialTokens()) {
            return Batching.truncateContent(content, 0, options);
        }
        content = Batching.truncateContent(content, 1, options);
        if (content.length > 0 && content[content.length - 1] == EOS) {
            return content; // transformers does not add a second </s>
        }
        int[] ids = java.util.Arrays.copyOf(content, content.length + 1);
        ids[content.length] = EOS;
        return ids;
    }

    private int[] encodeContent(String text) {
        IntList segments = new IntList(16);
        matcher.split(text, 0, text.length(), segments);
        int count = segments.size() / 3;
        int[] start = new int[count];
        int[] end = new int[count];
        int[] id = new int[count];
        for (int k = 0; k < count; k++) {
            start[k] = segments.get(3 * k);
            end[k] = segments.get(3 * k + 1);
            id[k] = segments.get(3 * k + 2);
        }
        // transformers strips the text next to lstrip/rstrip tokens with str.lstrip()/rstrip().
        for (int k = 0; k < count; k++) {
            if (id[k] == AddedTokenMatcher.TEXT) {
                continue;
            }
            AddedToken token = addedById[id[k]];
            if (token.rstrip() && k + 1 < count && id[k + 1] == AddedTokenMatcher.TEXT) {
                while (start[k + 1] < end[k + 1] && CharClasses.isPythonSpace(text.codePointAt(start[k + 1]))) {
                    start[k + 1] += Character.charCount(text.codePointAt(start[k + 1]));
                }
            }
            if (token.lstrip() && k > 0 && id[k - 1] == AddedTokenMatcher.TEXT) {
                while (end[k - 1] > start[k - 1] && CharClasses.isPythonSpace(text.codePointBefore(end[k - 1]))) {
                    end[k - 1] -= Character.charCount(text.codePointBefore(end[k - 1]));
                }
            }
        }
        IntList out = new IntList(text.length() + 8);
        for (int k = 0; k < count; k++) {
            if (id[k] != AddedTokenMatcher.TEXT) {
                out.add(id[k]);
                continue;
            }
            byte[] bytes = text.substring(start[k], end[k]).getBytes(StandardCharsets.UTF_8);
            for (byte b : bytes) {
                out.add((b & 0xFF) + BYTE_OFFSET);
            }
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids, skipSpecialTokens, cleanUpTokenizationSpaces);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens, boolean cleanUp) {
        Objects.requireNonNull(ids, "ids");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length);
        for (int id : ids) {
            if (id >= BYTE_OFFSET && id < FIRST_SENTINEL) {
                bytes.write(id - BYTE_OFFSET);
            } else if (id >= 0 && id < addedById.length) {
                if (!skipSpecialTokens) {
                    bytes.writeBytes(addedById[id].content().getBytes(StandardCharsets.UTF_8));
                }
            } else {
                throw new Lora4jException("tokenizer.decode", "id " + id + " is outside ByT5's vocabulary of "
                        + vocabSize() + " ids");
            }
        }
        String text = Utf8.decodeIgnoringErrors(bytes.toByteArray());
        return cleanUp ? CleanUp.cleanUpTokenization(text) : text;
    }

    @Override
    public int vocabSize() {
        return FIRST_SENTINEL + extraIds;
    }

    @Override
    public int padTokenId() {
        return PAD;
    }

    @Override
    public int eosTokenId() {
        return EOS;
    }

    @Override
    public int unkTokenId() {
        return UNK;
    }

    /** Byte tokens are written as transformers writes them: the char whose code is the byte value. */
    @Override
    public OptionalInt tokenToId(String token) {
        for (AddedToken t : addedById) {
            if (t != null && t.content().equals(token)) {
                return OptionalInt.of(t.id());
            }
        }
        if (token.length() == 1 && token.charAt(0) < 256) {
            return OptionalInt.of(token.charAt(0) + BYTE_OFFSET);
        }
        return OptionalInt.empty();
    }

    @Override
    public Optional<String> idToToken(int id) {
        if (id >= BYTE_OFFSET && id < FIRST_SENTINEL) {
            return Optional.of(String.valueOf((char) (id - BYTE_OFFSET)));
        }
        if (id >= 0 && id < addedById.length) {
            return Optional.of(addedById[id].content());
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "ByT5Tokenizer[" + vocabSize() + " ids]";
    }
}
