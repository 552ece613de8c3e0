package dev.lora4j.t5;

import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Beam search exactly as transformers 5.17's vectorised _beam_search (without sampling), so that the
 * same scores give the same tokens:
 * <ol>
 *   <li>each running beam's log-softmax scores (after the logits processors) are added to the beam's
 *       running score, and the best 2·numBeams (beam, token) continuations of each sequence are kept;</li>
 *   <li>continuations that end in EOS or reach the maximum length are candidates for the finished set;
 *       the best numBeams others keep running;</li>
 *   <li>among the candidates, only those in the top numBeams may finish; a finished hypothesis scores
 *       sum(log p) / generated_length^length_penalty and enters the finished set if it is among its
 *       numBeams best;</li>
 *   <li>the search stops when no sequence can improve (the early-stopping heuristic for early_stopping
 *       False / "never"), when every sequence has numBeams finished hypotheses (early_stopping True),
 *       or when every continuation hit a stopping criterion.</li>
 * </ol>
 * The scores and the first top-k run on the device with libtorch's kernels; the bookkeeping on the
 * 2·numBeams survivors runs here, in float32 arithmetic like transformers' tensors (including its
 * -1e9 penalties), so every comparison transformers makes comes out the same.
 */
final class BeamSearch {
    /** transformers' stand-in for "impossible" scores. */
    private static final float PENALTY = -1.0e9f;
    /** The decoder prompt is the start token alone. */
    private static final int PROMPT_LENGTH = 1;

    private final T5ForConditionalGeneration model;
    private final GenerationConfig config;
    private final LogitsProcessing processing;
    private final int batch;
    private final int beams;
    private final int candidates;
    private final int vocab;
    private final int maxLength;
    private final long eos;

    // Running beams, per sequence: tokens, scores (sum of log-probs).
    private long[][][] running;
    private float[][] runningScores;
    // Finished hypotheses, per sequence (numBeams slots, best first).
    private long[][][] finished;
    private float[][] finishedScores;
    private boolean[][] finishedFlags;
    private int[][] finishedLengths; // generated tokens (start token excluded); 0 for an empty slot
    private final boolean[] mayImprove;

    private BeamSearch(T5ForConditionalGeneration model, int batch, GenerationConfig config) {
        T5Config t5 = model.config();
        this.model = model;
        this.config = config;
        this.processing = new LogitsProcessing(config, t5.eosTokenId());
        this.batch = batch;
        this.beams = config.numBeams();
        this.candidates = 2 * beams; // max(2, 1 + number of EOS tokens) · numBeams, with one EOS token
        this.vocab = t5.vocabSize();
        this.maxLength = 1 + config.maxNewTokens();
        this.eos = t5.eosTokenId();
        // transformers fills unused positions with `pad_token_id or eos_token_id`: EOS when pad is 0.
        long fill = t5.padTokenId() != 0 ? t5.padTokenId() : t5.eosTokenId();
        running = new long[batch][beams][maxLength];
        runningScores = new float[batch][beams];
        finished = new long[batch][beams][maxLength];
        finishedScores = new float[batch][beams];
        finishedFlags = new boolean[batch][beams];
        finishedLengths = new int[batch][beams];
        mayImprove = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < beams; k++) {
                Arrays.fill(running[b][k], fill);
                running[b][k][0] = t5.decoderStartTokenId();
                Arrays.fill(finished[b][k], fill);
                finished[b][k][0] = t5.decoderStartTokenId();
                // Only the first beam starts live, so the first step does not pick one token numBeams times.
                runningScores[b][k] = k == 0 ? 0f : PENALTY;
                finishedScores[b][k] = PENALTY;
            }
            mayImprove[b] = true;
        }
    }

    /** encoderHidden (B, S, d_model), keep (B, S) bool → the best hypothesis per row (start token first). */
    static long[][] run(T5ForConditionalGeneration model, Tensor encoderHidden, Tensor keep, GenerationConfig config) {
        int batch = Math.toIntExact(encoderHidden.size(0));
        BeamSearch search = new BeamSearch(model, batch, config);
        // Every beam gets its own copy of its sequence's encoder output, as in transformers.
        Tensor expandedHidden = encoderHidden.repeatInterleave(config.numBeams(), 0); // (B*K, S, d_model)
        Tensor expandedKeep = keep.repeatInterleave(config.numBeams(), 0); // (B*K, S)
        T5KeyValueCache cache = model.startDecoding(expandedHidden, expandedKeep, search.maxLength);
        return search.search(cache);
    }

    private long[][] search(T5KeyValueCache cache) {
        int length = 1; // tokens in every running beam
        while (true) {
            float[] topScores;
            long[] topIndices;
            try (Scope step = Scope.open()) {
                Tensor scores = stepScores(cache, length); // (B, K*V)
                try (Tensor.Pair top = scores.topk(candidates, 1, true, true)) {
                    topScores = top.values().toFloatArray(); // (B, 2K)
                    topIndices = top.indices().toLongArray(); // (B, 2K)
                }
            }
            boolean allHit = true;
            int[] sourceBeams = new int[batch * beams];
            long[][][] nextRunning = new long[batch][][];
            float[][] nextRunningScores = new float[batch][];
            for (int b = 0; b < batch; b++) {
                long[][] candidateTokens = new long[candidates][];
                int[] candidateBeams = new int[candidates];
                float[] candidateScores = new float[candidates];
                boolean[] hits = new boolean[candidates];
                for (int j = 0; j < candidates; j++) {
                    long index = topIndices[b * candidates + j];
                    int beam = (int) (index / vocab);
                    long token = index % vocab;
                    candidateBeams[j] = beam;
                    candidateScores[j] = topScores[b * candidates + j];
                    candidateTokens[j] = running[b][beam].clone();
                    candidateTokens[j][length] = token;
                    hits[j] = token == eos || length + 1 >= maxLength;
                    allHit &= hits[j];
                }
                // The best numBeams continuations that did not stop keep running.
                float[] runningCandidates = new float[candidates];
                for (int j = 0; j < candidates; j++) {
                    runningCandidates[j] = candidateScores[j] + (hits[j] ? PENALTY : 0f);
                }
                int[] keepRunning = topIndices(runningCandidates, beams);
                nextRunning[b] = new long[beams][];
                nextRunningScores[b] = new float[beams];
                for (int i = 0; i < beams; i++) {
                    int j = keepRunning[i];
                    nextRunning[b][i] = candidateTokens[j];
                    nextRunningScores[b][i] = runningCandidates[j];
                    sourceBeams[b * beams + i] = b * beams + candidateBeams[j];
                }
                updateFinished(b, candidateTokens, candidateScores, hits, length);
            }
            running = nextRunning;
            runningScores = nextRunningScores;
            try (Scope step = Scope.open()) {
                long[] order = new long[sourceBeams.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = sourceBeams[i];
                }
                cache.reorder(Tensor.of(order, order.length).to(model.device()));
            }
            length++;
            boolean anyMayImprove = false;
            boolean allFull = true;
            for (int b = 0; b < batch; b++) {
                mayImprove[b] = mayImprove[b] && couldImprove(b, length);
                anyMayImprove |= mayImprove[b];
                for (int k = 0; k < beams; k++) {
                    allFull &= finishedFlags[b][k];
                }
            }
            boolean openBeamExists = !(allFull && config.earlyStopping() == GenerationConfig.EarlyStopping.TRUE);
            if (!(anyMayImprove && openBeamExists && !allHit)) {
                break;
            }
        }
        return output();
    }

    /** Running scores plus each beam's processed log-probabilities for the next token: (B, K*V) float32. */
    private Tensor stepScores(T5KeyValueCache cache, int length) {
        int rows = batch * beams;
        long[] last = new long[rows];
        long[][] flat = new long[rows][];
        float[] scores = new float[rows];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < beams; k++) {
                int row = b * beams + k;
                flat[row] = running[b][k];
                last[row] = running[b][k][length - 1];
                scores[row] = runningScores[b][k];
            }
        }
        Tensor tokens = Tensor.of(last, rows).to(model.device()); // (N)
        Tensor logits = LogitsProcessing.toFloat32(model.decodeStep(tokens, cache)); // (N, V)
        Tensor logProbs = processing.apply(logits.logSoftmax(-1), flat, length); // (N, V)
        Tensor beamScores = Tensor.of(scores, rows, 1).to(model.device()); // (N, 1)
        return logProbs.add(beamScores).reshape(batch, (long) beams * vocab); // (B, K*V)
    }

    /** Merges this step's eligible finished continuations into sequence b's finished set. */
    private void updateFinished(int b, long[][] candidateTokens, float[] candidateScores, boolean[] hits, int length) {
        int generated = length + 1 - PROMPT_LENGTH; // tokens after the start token, including the new one
        float lengthDivisor = (float) Math.pow(generated, config.lengthPenalty());
        boolean full = config.earlyStopping() == GenerationConfig.EarlyStopping.TRUE && allFinished(b);
        float[] merged = new float[beams + candidates];
        boolean[] mergedFlags = new boolean[beams + candidates];
        System.arraycopy(finishedScores[b], 0, merged, 0, beams);
        System.arraycopy(finishedFlags[b], 0, mergedFlags, 0, beams);
        for (int j = 0; j < candidates; j++) {
            // Only the top numBeams continuations may finish; the rest only backed up the running beams.
            boolean justFinished = hits[j] && j < beams;
            float score = candidateScores[j] / lengthDivisor;
            score += full ? PENALTY : 0f;
            score += mayImprove[b] ? 0f : PENALTY;
            score += justFinished ? 0f : PENALTY;
            merged[beams + j] = score;
            mergedFlags[beams + j] = justFinished;
        }
        int[] best = topIndices(merged, beams);
        long[][] tokens = new long[beams][];
        float[] scores = new float[beams];
        boolean[] flags = new boolean[beams];
        int[] lengths = new int[beams];
        for (int i = 0; i < beams; i++) {
            int m = best[i];
            if (m < beams) {
                tokens[i] = finished[b][m];
                lengths[i] = finishedLengths[b][m];
            } else {
                tokens[i] = candidateTokens[m - beams];
                lengths[i] = generated;
            }
            scores[i] = merged[m];
            flags[i] = mergedFlags[m];
        }
        finished[b] = tokens;
        finishedScores[b] = scores;
        finishedFlags[b] = flags;
        finishedLengths[b] = lengths;
    }

    /**
     * transformers' _check_early_stop_heuristic for sequence b once length tokens exist: can the best
     * running beam still beat a finished hypothesis?
     */
    private boolean couldImprove(int b, int length) {
        boolean never = config.earlyStopping() == GenerationConfig.EarlyStopping.NEVER;
        int bestLength = never && config.lengthPenalty() > 0 ? maxLength - PROMPT_LENGTH : length - PROMPT_LENGTH;
        float bestPossible = runningScores[b][0] / (float) Math.pow(bestLength, config.lengthPenalty());
        float worstFinished = Float.POSITIVE_INFINITY;
        for (float s : finishedScores[b]) {
            worstFinished = Math.min(worstFinished, s);
        }
        for (int k = 0; k < beams; k++) {
            float bound = finishedFlags[b][k] ? worstFinished : PENALTY;
            if (bestPossible > bound) {
                return true;
            }
        }
        return false;
    }

    private boolean allFinished(int b) {
        for (boolean f : finishedFlags[b]) {
            if (!f) {
                return false;
            }
        }
        return true;
    }

    /** The best finished hypothesis per sequence, cut to the longest one's length (as transformers does). */
    private long[][] output() {
        int generated = 0;
        for (int b = 0; b < batch; b++) {
            generated = Math.max(generated, finishedLengths[b][0]);
        }
        long[][] out = new long[batch][];
        for (int b = 0; b < batch; b++) {
            out[b] = Arrays.copyOf(finished[b][0], 1 + generated);
        }
        return out;
    }

    /**
     * Indices of the k largest values, largest first; equal values keep their original order. Ties
     * only ever involve the -1e9 placeholder scores, whose order does not affect the result.
     */
    private static int[] topIndices(float[] values, int k) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Float.compare(values[y], values[x])); // stable
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
