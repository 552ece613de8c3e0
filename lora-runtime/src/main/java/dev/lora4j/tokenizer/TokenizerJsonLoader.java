package dev.lora4j.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.PreTokenizers.PrependScheme;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds a {@link T5Tokenizer} from a Hugging Face {@code tokenizer.json} holding a Unigram model,
 * reproducing {@code tokenizers.Tokenizer.from_file}: the file's added tokens, normalizer,
 * pre-tokenizer, post-processor and decoder are all honoured. Components a Unigram T5-family file
 * does not use are rejected by name rather than ignored. The file's own "truncation" and "padding"
 * sections are ignored, as transformers ignores them: {@link EncodeOptions} decides.
 */
final class TokenizerJsonLoader {
    private final String source;

    private TokenizerJsonLoader(String source) {
        this.source = source;
    }

    static T5Tokenizer load(byte[] data, String source, TokenizerConfig config,
            T5Tokenizer.Compatibility compatibility) {
        return new TokenizerJsonLoader(source).build(data, config, compatibility);
    }

    private T5Tokenizer build(byte[] data, TokenizerConfig config, T5Tokenizer.Compatibility compatibility) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(data);
        } catch (JacksonException e) {
            throw fail("not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw fail("cannot parse: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw fail("the file must hold a JSON object");
        }
        JsonNode model = requireObject(root, "model", "model");
        String modelType = model.hasNonNull("type") ? requireText(model.get("type"), "model.type") : null;
        if (modelType == null && model.has("merges")) {
            modelType = "BPE";
        }
        if (modelType != null && !modelType.equals("Unigram")) {
            throw fail("model type " + modelType + " is not supported; only Unigram models (T5's) are");
        }
        JsonNode vocabNode = requireArray(model, "vocab", "model.vocab");
        int size = vocabNode.size();
        if (size == 0) {
            throw fail("model.vocab is empty");
        }
        String[] pieces = new String[size];
        double[] scores = new double[size];
        Map<String, Integer> idsByPiece = new HashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            JsonNode entry = vocabNode.get(i);
            if (!entry.isArray() || entry.size() != 2 || !entry.get(0).isTextual() || !entry.get(1).isNumber()) {
                throw fail("model.vocab[" + i + "] must be [piece, score]");
            }
            pieces[i] = entry.get(0).textValue();
            scores[i] = entry.get(1).doubleValue();
            if (!Double.isFinite(scores[i])) {
                throw fail("model.vocab[" + i + "] has a non-finite score");
            }
            if (!pieces[i].isEmpty()) {
                idsByPiece.put(pieces[i], i); // the last of repeated pieces wins, as in tokenizers
            }
        }
        int unkId = -1;
        JsonNode unk = model.get("unk_id");
        if (unk != null && !unk.isNull()) {
            if (!unk.isInt() || unk.intValue() < 0 || unk.intValue() >= size) {
                throw fail("model.unk_id must be an id in 0.." + (size - 1));
            }
            unkId = unk.intValue();
        }
        boolean byteFallback = optionalBoolean(model, "byte_fallback", false, "model.byte_fallback");

        List<AddedToken> added = readAddedTokens(root, idsByPiece);
        JsonNode normalizerNode = root.get("normalizer");
        JsonNode preTokenizerNode = root.get("pre_tokenizer");
        JsonNode decoderNode = root.get("decoder");
        Normalizer normalizer;
        List<PreTokenizer> preTokenizers = new ArrayList<>();
        TokenDecoder decoder;
        if (compatibility == T5Tokenizer.Compatibility.TRANSFORMERS_5) {
            // transformers 5's T5Tokenizer keeps the vocabulary, added tokens and charsmap but
            // rebuilds the rest of the pipeline itself.
            PrecompiledNormalizer precompiled = findPrecompiled(parseNormalizer(normalizerNode, "normalizer"));
            normalizer = precompiled;
            preTokenizers.add(new PreTokenizers.WhitespaceSplit());
            preTokenizers.add(new PreTokenizers.Metaspace('\u2581', PrependScheme.ALWAYS, true));
            decoder = new TokenDecoders.Metaspace('\u2581', PrependScheme.ALWAYS);
        } else {
            normalizer = parseNormalizer(normalizerNode, "normalizer");
            parsePreTokenizer(preTokenizerNode, "pre_tokenizer", preTokenizers);
            decoder = parseDecoder(decoderNode, "decoder");
        }

        List<AddedToken> rawTokens = new ArrayList<>();
        List<String> rawPatterns = new ArrayList<>();
        List<AddedToken> normalizedTokens = new ArrayList<>();
        List<String> normalizedPatterns = new ArrayList<>();
        for (AddedToken t : orderedForMatching(added)) {
            if (t.normalized()) {
                normalizedTokens.add(t);
                normalizedPatterns.add(normalizer == null ? t.content() : normalizer.normalize(t.content()));
            } else {
                rawTokens.add(t);
                rawPatterns.add(t.content());
            }
        }
        HuggingFaceUnigram unigram = new HuggingFaceUnigram(scores, idsByPiece, unkId, byteFallback);
        HuggingFacePipeline pipeline = new HuggingFacePipeline(
                new AddedTokenMatcher(rawTokens, rawPatterns),
                new AddedTokenMatcher(normalizedTokens, normalizedPatterns),
                normalizer, preTokenizers, unigram);

        int vocabSize = size;
        for (AddedToken t : added) {
            vocabSize = Math.max(vocabSize, t.id() + 1);
        }
        String[] tokenById = new String[vocabSize];
        System.arraycopy(pieces, 0, tokenById, 0, size);
        Set<String> specialContents = new HashSet<>();
        for (AddedToken t : added) {
            tokenById[t.id()] = t.content();
            if (t.special()) {
                specialContents.add(t.content());
            }
        }
        boolean[] specialById = new boolean[vocabSize];
        Map<String, Integer> idByToken = new HashMap<>(idsByPiece);
        for (int id = 0; id < vocabSize; id++) {
            specialById[id] = tokenById[id] != null && specialContents.contains(tokenById[id]);
        }
        for (AddedToken t : added) {
            idByToken.put(t.content(), t.id());
        }
        int[][] template = parsePostProcessor(root.get("post_processor"), idByToken, compatibility);
        return new T5Tokenizer(source + (compatibility == T5Tokenizer.Compatibility.TRANSFORMERS_5
                        ? " (Hugging Face tokenizer.json, pipeline as transformers 5 rebuilds it)"
                        : " (Hugging Face tokenizer.json)"),
                pipeline,
                new HuggingFaceIdDecoder(tokenById, specialById, decoder),
                tokenById, idByToken, template[0], template[1],
                idOrMinusOne(idByToken, "<pad>"), idOrMinusOne(idByToken, "</s>"), unkId,
                config.cleanUpTokenizationSpaces());
    }

    private List<AddedToken> readAddedTokens(JsonNode root, Map<String, Integer> modelIds) {
        List<AddedToken> out = new ArrayList<>();
        JsonNode node = root.get("added_tokens");
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw fail("added_tokens must be an array");
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            String where = "added_tokens[" + i + "]";
            if (!t.isObject()) {
                throw fail(where + " must be an object");
            }
            JsonNode idNode = t.get("id");
            if (idNode == null || !idNode.isInt() || idNode.intValue() < 0 || idNode.intValue() > 10_000_000) {
                throw fail(where + ".id must be an id in 0..10000000");
            }
            String content = requireText(t.get("content"), where + ".content");
            if (content.isEmpty()) {
                continue; // tokenizers ignores empty added tokens
            }
            // tokenizers gives an added token the model's id for the same text, whatever the file says.
            int id = modelIds.getOrDefault(content, idNode.intValue());
            out.add(new AddedToken(id, content,
                    optionalBoolean(t, "single_word", false, where + ".single_word"),
                    optionalBoolean(t, "lstrip", false, where + ".lstrip"),
                    optionalBoolean(t, "rstrip", false, where + ".rstrip"),
                    optionalBoolean(t, "normalized", true, where + ".normalized"),
                    optionalBoolean(t, "special", false, where + ".special")));
        }
        return out;
    }

    /** tokenizers matches special tokens before the other added tokens (they are listed first). */
    private static List<AddedToken> orderedForMatching(List<AddedToken> added) {
        List<AddedToken> ordered = new ArrayList<>();
        for (AddedToken t : added) {
            if (t.special()) {
                ordered.add(t);
            }
        }
        for (AddedToken t : added) {
            if (!t.special()) {
                ordered.add(t);
            }
        }
        return ordered;
    }

    private Normalizer parseNormalizer(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = typeOf(node, where);
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = requireArray(node, "normalizers", where + ".normalizers");
                List<Normalizer> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    Normalizer step = parseNormalizer(list.get(i), where + ".normalizers[" + i + "]");
                    if (step != null) {
                        steps.add(step);
                    }
                }
                yield new Normalizers.Sequence(steps);
            }
            case "Precompiled" -> {
                JsonNode map = node.get("precompiled_charsmap");
                if (map == null || map.isNull() || (map.isTextual() && map.textValue().isEmpty())) {
                    yield new Normalizers.Sequence(List.of()); // an empty charsmap changes nothing
                }
                byte[] blob;
                try {
                    blob = Base64.getDecoder().decode(requireText(map, where + ".precompiled_charsmap"));
                } catch (IllegalArgumentException e) {
                    throw fail(where + ".precompiled_charsmap is not base64: " + e.getMessage());
                }
                yield new PrecompiledNormalizer(new PrecompiledCharsMap(blob, source));
            }
            case "Strip" -> new Normalizers.Strip(
                    optionalBoolean(node, "strip_left", false, where + ".strip_left"),
                    optionalBoolean(node, "strip_right", false, where + ".strip_right"));
            case "Replace" -> {
                String content = requireText(node.get("content"), where + ".content");
                JsonNode pattern = requireObject(node, "pattern", where + ".pattern");
                if (pattern.has("String")) {
                    yield Normalizers.Replace.literal(requireText(pattern.get("String"), where + ".pattern.String"),
                            content);
                }
                if (pattern.has("Regex")) {
                    String regex = requireText(pattern.get("Regex"), where + ".pattern.Regex");
                    try {
                        yield Normalizers.Replace.regex(regex, content);
                    } catch (java.util.regex.PatternSyntaxException e) {
                        throw fail(where + ".pattern.Regex '" + regex + "' is not a supported regex: "
                                + e.getDescription());
                    }
                }
                throw fail(where + ".pattern must have a String or Regex field");
            }
            case "NFC" -> new Normalizers.UnicodeForm(java.text.Normalizer.Form.NFC);
            case "NFD" -> new Normalizers.UnicodeForm(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new Normalizers.UnicodeForm(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new Normalizers.UnicodeForm(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Normalizers.Lowercase();
            case "Prepend" -> new Normalizers.Prepend(requireText(node.get("prepend"), where + ".prepend"));
            default -> throw fail(where + " type '" + type + "' is not supported");
        };
    }

    private static PrecompiledNormalizer findPrecompiled(Normalizer normalizer) {
        if (normalizer instanceof PrecompiledNormalizer p) {
            return p;
        }
        if (normalizer instanceof Normalizers.Sequence s) {
            for (Normalizer step : s.steps()) {
                PrecompiledNormalizer p = findPrecompiled(step);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    private void parsePreTokenizer(JsonNode node, String where, List<PreTokenizer> out) {
        if (node == null || node.isNull()) {
            return;
        }
        String type = typeOf(node, where);
        switch (type) {
            case "Sequence" -> {
                JsonNode list = requireArray(node, "pretokenizers", where + ".pretokenizers");
                for (int i = 0; i < list.size(); i++) {
                    parsePreTokenizer(list.get(i), where + ".pretokenizers[" + i + "]", out);
                }
            }
            case "Metaspace" -> out.add(new PreTokenizers.Metaspace(replacementChar(node, where),
                    prependScheme(node, where), optionalBoolean(node, "split", true, where + ".split")));
            case "WhitespaceSplit" -> out.add(new PreTokenizers.WhitespaceSplit());
            default -> throw fail(where + " type '" + type + "' is not supported");
        }
    }

    private TokenDecoder parseDecoder(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = typeOf(node, where);
        return switch (type) {
            case "Metaspace" -> new TokenDecoders.Metaspace(replacementChar(node, where), prependScheme(node, where));
            case "Sequence" -> {
                JsonNode list = requireArray(node, "decoders", where + ".decoders");
                List<TokenDecoder> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    TokenDecoder step = parseDecoder(list.get(i), where + ".decoders[" + i + "]");
                    if (step != null) {
                        steps.add(step);
                    }
                }
                yield new TokenDecoders.Sequence(steps);
            }
            case "Replace" -> {
                String content = requireText(node.get("content"), where + ".content");
                JsonNode pattern = requireObject(node, "pattern", where + ".pattern");
                if (pattern.has("String")) {
                    yield new TokenDecoders.Replace(
                            Pattern.compile(Pattern.quote(requireText(pattern.get("String"), where + ".pattern.String"))),
                            content);
                }
                if (pattern.has("Regex")) {
                    try {
                        yield new TokenDecoders.Replace(
                                Pattern.compile(requireText(pattern.get("Regex"), where + ".pattern.Regex")), content);
                    } catch (java.util.regex.PatternSyntaxException e) {
                        throw fail(where + ".pattern.Regex is not a supported regex: " + e.getDescription());
                    }
                }
                throw fail(where + ".pattern must have a String or Regex field");
            }
            case "ByteFallback" -> new TokenDecoders.ByteFallbackDecoder();
            case "Fuse" -> new TokenDecoders.Fuse();
            case "Strip" -> {
                String content = requireText(node.get("content"), where + ".content");
                if (content.length() != 1) {
                    throw fail(where + ".content must be one character");
                }
                yield new TokenDecoders.Strip(content.charAt(0), optionalInt(node, "start", 0, where + ".start"),
                        optionalInt(node, "stop", 0, where + ".stop"));
            }
            default -> throw fail(where + " type '" + type + "' is not supported");
        };
    }

    /** Returns {prefix ids, suffix ids} around the single sequence ("$A") of a TemplateProcessing. */
    private int[][] parsePostProcessor(JsonNode node, Map<String, Integer> idByToken,
            T5Tokenizer.Compatibility compatibility) {
        if (compatibility == T5Tokenizer.Compatibility.TRANSFORMERS_5) {
            Integer eos = idByToken.get("</s>");
            if (eos == null) {
                throw fail("no </s> token, which transformers 5's T5 template appends");
            }
            return new int[][] {new int[0], new int[] {eos}};
        }
        if (node == null || node.isNull()) {
            return new int[][] {new int[0], new int[0]};
        }
        String type = typeOf(node, "post_processor");
        if (!type.equals("TemplateProcessing")) {
            throw fail("post_processor type '" + type + "' is not supported (only TemplateProcessing)");
        }
        JsonNode single = requireArray(node, "single", "post_processor.single");
        JsonNode specials = node.get("special_tokens");
        IntList prefix = new IntList();
        IntList suffix = new IntList();
        boolean seenSequence = false;
        for (int i = 0; i < single.size(); i++) {
            JsonNode item = single.get(i);
            String where = "post_processor.single[" + i + "]";
            if (item.has("Sequence")) {
                if (seenSequence) {
                    throw fail(where + " repeats the sequence");
                }
                seenSequence = true;
            } else if (item.has("SpecialToken")) {
                String name = requireText(item.get("SpecialToken").get("id"), where + ".SpecialToken.id");
                JsonNode entry = specials == null ? null : specials.get(name);
                if (entry == null || !entry.has("ids") || !entry.get("ids").isArray()) {
                    throw fail(where + " names special token '" + name + "' that special_tokens does not define");
                }
                for (JsonNode id : entry.get("ids")) {
                    if (!id.isInt() || id.intValue() < 0) {
                        throw fail("post_processor.special_tokens." + name + ".ids must hold ids");
                    }
                    (seenSequence ? suffix : prefix).add(id.intValue());
                }
            } else {
                throw fail(where + " must be a Sequence or a SpecialToken");
            }
        }
        if (!seenSequence) {
            throw fail("post_processor.single has no $A sequence");
        }
        return new int[][] {prefix.toArray(), suffix.toArray()};
    }

    private char replacementChar(JsonNode node, String where) {
        String replacement = requireText(node.get("replacement"), where + ".replacement");
        if (replacement.length() != 1) {
            throw fail(where + ".replacement must be one character from the Basic Multilingual Plane");
        }
        return replacement.charAt(0);
    }

    /** tokenizers' rules: add_prefix_space=false means never, else prepend_scheme, else always. */
    private PrependScheme prependScheme(JsonNode node, String where) {
        JsonNode addPrefixSpace = node.get("add_prefix_space");
        if (addPrefixSpace != null && addPrefixSpace.isBoolean() && !addPrefixSpace.booleanValue()) {
            return PrependScheme.NEVER;
        }
        JsonNode scheme = node.get("prepend_scheme");
        if (scheme == null || scheme.isNull()) {
            return PrependScheme.ALWAYS;
        }
        return switch (requireText(scheme, where + ".prepend_scheme")) {
            case "always" -> PrependScheme.ALWAYS;
            case "first" -> PrependScheme.FIRST;
            case "never" -> PrependScheme.NEVER;
            default -> throw fail(where + ".prepend_scheme must be always, first or never");
        };
    }

    private static int idOrMinusOne(Map<String, Integer> ids, String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    private String typeOf(JsonNode node, String where) {
        if (!node.isObject()) {
            throw fail(where + " must be an object");
        }
        return requireText(node.get("type"), where + ".type");
    }

    private JsonNode requireObject(JsonNode parent, String field, String where) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isObject()) {
            throw fail(where + (node == null || node.isNull() ? " is missing" : " must be an object"));
        }
        return node;
    }

    private JsonNode requireArray(JsonNode parent, String field, String where) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isArray()) {
            throw fail(where + (node == null || node.isNull() ? " is missing" : " must be an array"));
        }
        return node;
    }

    private String requireText(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            throw fail(where + " is missing");
        }
        if (!node.isTextual()) {
            throw fail(where + " must be a string");
        }
        return node.textValue();
    }

    private boolean optionalBoolean(JsonNode parent, String field, boolean fallback, String where) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw fail(where + " must be true or false");
        }
        return node.booleanValue();
    }

    private int optionalInt(JsonNode parent, String field, int fallback, String where) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isInt() || node.intValue() < 0) {
            throw fail(where + " must be a non-negative integer");
        }
        return node.intValue();
    }

    private Lora4jException fail(String detail) {
        return new Lora4jException("tokenizer.load", source + ": " + detail);
    }
}
