package dev.lora4j.tokenizer;

/**
 * sentencepiece's encode path ({@code SentencePieceProcessor::Encode}) with special tokens on top:
 * control pieces, the unknown piece and the sentinel ids are matched in the raw text first (as
 * transformers' T5 tokenizers do), and each stretch between them is normalized and segmented whole,
 * exactly as {@code sp.encode(stretch)} would.
 */
final class SentencePiecePipeline implements ContentEncoder {
    private final AddedTokenMatcher specialTokens;
    private final SentencePieceNormalizer normalizer;
    private final SentencePieceUnigram model;

    SentencePiecePipeline(AddedTokenMatcher specialTokens, SentencePieceNormalizer normalizer,
            SentencePieceUnigram model) {
        this.specialTokens = specialTokens;
        this.normalizer = normalizer;
        this.model = model;
    }

    @Override
    public void encode(String text, EncodeWorkspace ws, IntList out) {
        IntList segments = ws.segments;
        segments.clear();
        specialTokens.split(text, 0, text.length(), segments);
        for (int s = 0; s < segments.size(); s += 3) {
            int id = segments.get(s + 2);
            if (id != AddedTokenMatcher.TEXT) {
                out.add(id);
                continue;
            }
            String normalized = normalizer.normalize(text.substring(segments.get(s), segments.get(s + 1)));
            model.encode(ws.viterbi.copy(normalized, 0, normalized.length()), normalized.length(), ws.viterbi, out);
        }
    }
}
