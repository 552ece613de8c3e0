package dev.lora4j.tokenizer;

import java.util.List;

/**
 * Hugging Face tokenizers' encode path for a Unigram {@code tokenizer.json}: added tokens are cut
 * out of the raw text first; every other stretch is normalized, split again on normalized added
 * tokens (if any), pre-tokenized into words, and each word is segmented by the Unigram model.
 */
final class HuggingFacePipeline implements ContentEncoder {
    private final AddedTokenMatcher rawTokens;
    private final AddedTokenMatcher normalizedTokens;
    private final Normalizer normalizer;
    private final List<PreTokenizer> preTokenizers;
    private final HuggingFaceUnigram model;
    /** Whether a pre-tokenizer treats the word that starts the input differently (Metaspace "first"). */
    private final boolean tracksInputStart;

    HuggingFacePipeline(AddedTokenMatcher rawTokens, AddedTokenMatcher normalizedTokens, Normalizer normalizer,
            List<PreTokenizer> preTokenizers, HuggingFaceUnigram model) {
        this.rawTokens = rawTokens;
        this.normalizedTokens = normalizedTokens;
        this.normalizer = normalizer;
        this.preTokenizers = List.copyOf(preTokenizers);
        this.model = model;
        this.tracksInputStart = preTokenizers.stream().anyMatch(p -> p instanceof PreTokenizers.Metaspace m
                && m.prependScheme() == PreTokenizers.PrependScheme.FIRST);
    }

    @Override
    public void encode(String text, EncodeWorkspace ws, IntList out) {
        IntList segments = ws.segments;
        segments.clear();
        rawTokens.split(text, 0, text.length(), segments);
        for (int s = 0; s < segments.size(); s += 3) {
            int start = segments.get(s);
            int end = segments.get(s + 1);
            int id = segments.get(s + 2);
            if (id != AddedTokenMatcher.TEXT) {
                out.add(id);
                continue;
            }
            String raw = text.substring(start, end);
            String normalized = normalizer == null ? raw : normalizer.normalize(raw);
            if (normalized.isEmpty()) {
                continue;
            }
            int origin = start == 0 && tracksInputStart ? charsFromFirstInputChar(raw) : 0;
            if (normalizedTokens.isEmpty()) {
                encodeNormalized(normalized, 0, normalized.length(), origin, ws, out);
                continue;
            }
            IntList inner = ws.normalizedSegments;
            inner.clear();
            normalizedTokens.split(normalized, 0, normalized.length(), inner);
            for (int k = 0; k < inner.size(); k += 3) {
                int innerId = inner.get(k + 2);
                if (innerId != AddedTokenMatcher.TEXT) {
                    out.add(innerId);
                } else {
                    int from = inner.get(k);
                    encodeNormalized(normalized, from, inner.get(k + 1), origin - from, ws, out);
                }
            }
        }
    }

    /** How many leading normalized chars stem from the input's first character (see {@link Normalizer}). */
    private int charsFromFirstInputChar(String raw) {
        int first = Character.charCount(raw.codePointAt(0));
        return normalizer == null ? first : normalizer.charsFromFirstInputChar(raw, first);
    }

    private void encodeNormalized(String normalized, int from, int to, int origin, EncodeWorkspace ws,
            IntList out) {
        ws.words.clear();
        ws.words.text.append(normalized, from, to);
        ws.words.addWord(0, to - from, origin);
        for (PreTokenizer preTokenizer : preTokenizers) {
            ws.spare.clear();
            preTokenizer.preTokenize(ws.words, ws.spare);
            ws.swapWords();
        }
        PreTokenizedText words = ws.words;
        char[] chars = ws.viterbi.copy(words.text, 0, words.text.length());
        for (int w = 0; w < words.wordCount(); w++) {
            model.encode(chars, words.start(w), words.end(w), ws.viterbi, out);
        }
    }
}
