package dev.lora4j.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.data.Batch;
import dev.lora4j.data.BatchPlan;
import dev.lora4j.data.DialogueDatasets;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationEncoder;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.data.TokenizedExample;
import dev.lora4j.io.AtomicFiles;
import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.T5Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The batches the training-step and generation benchmarks feed, built as the trainer builds them: real
 * DialogSum examples, the real FLAN-T5 tokenizer (as transformers 5 loads it), the default prompt,
 * {@link SummarizationEncoder}'s truncation, {@link BatchPlan}'s shuffled length buckets (seed 42,
 * windows of 50 batches, as {@code Trainer}) and {@link Batch}'s dynamic padding. Step i of a benchmark
 * trains on batch i of epoch 0.
 *
 * <p>{@link #main} writes the same batches (unpadded ids, plus each batch's token count and id sum) to a
 * JSON file that benchmarks/python reads, so both sides train on identical batches in the same order;
 * the report compares their per-step token counts and id sums.
 *
 * <pre>
 * java -cp lora4j-benchmarks.jar dev.lora4j.benchmarks.DialogSumBatches --out batches.json \
 *     --batch-size 8 --count 16 --max-source 512 --max-target 128 --generation-batch 8
 * </pre>
 */
public final class DialogSumBatches {
    /** TrainerConfig.defaults().seed(). */
    static final long SEED = 42;
    /** The bucket factor Trainer gives BatchPlan. */
    static final int BUCKET_FACTOR = 50;

    /** Training batches in step order, with the dataset rows each holds. */
    record Training(List<Batch> batches, List<int[]> rows, List<List<TokenizedExample>> examples) {}

    private DialogSumBatches() {}

    static SummarizationEncoder encoder(int maxSource, int maxTarget) {
        T5Tokenizer tokenizer = T5Tokenizer.load(BenchData.tokenizerDir(), T5Tokenizer.Compatibility.TRANSFORMERS_5);
        return new SummarizationEncoder(tokenizer, SummarizationPrompt.DEFAULT, maxSource, maxTarget);
    }

    /** The first {@code count} batches of epoch 0 of DialogSum train, as the trainer would train on them. */
    static Training training(int batchSize, int count, int maxSource, int maxTarget) {
        SummarizationEncoder encoder = encoder(maxSource, maxTarget);
        List<TokenizedExample> all = encoder.encodeAll(DialogueDatasets.dialogSum(BenchData.dialogSum("train")).examples());
        // -Dlora4j.bench.bucketFactor=1 gives shuffled batches without length bucketing (much more padding).
        BatchPlan plan = new BatchPlan(all, batchSize, true, Integer.getInteger("lora4j.bench.bucketFactor", BUCKET_FACTOR), SEED);
        List<int[]> epoch = plan.epoch(0);
        if (count > epoch.size()) {
            throw new Lora4jException("bench", count + " batches asked for, epoch 0 has " + epoch.size());
        }
        List<Batch> batches = new ArrayList<>(count);
        List<List<TokenizedExample>> examples = new ArrayList<>(count);
        int padId = encoder.tokenizer().padTokenId();
        for (int[] rows : epoch.subList(0, count)) {
            List<TokenizedExample> chunk = new ArrayList<>(rows.length);
            for (int i : rows) {
                chunk.add(all.get(i));
            }
            examples.add(chunk);
            batches.add(Batch.of(chunk, padId));
        }
        return new Training(batches, List.copyOf(epoch.subList(0, count)), examples);
    }

    /** The first {@code batchSize} dialogues of DialogSum test, in file order, prompted: a generation batch. */
    static List<TokenizedExample> generationInputs(int batchSize, int maxSource) {
        SummarizationEncoder encoder = encoder(maxSource, 2);
        List<DialogueExample> rows = DialogueDatasets.dialogSum(BenchData.dialogSum("test")).examples();
        if (batchSize > rows.size()) {
            throw new Lora4jException("bench", "generation batch " + batchSize + " > " + rows.size() + " test rows");
        }
        List<TokenizedExample> out = new ArrayList<>(batchSize);
        for (DialogueExample e : rows.subList(0, batchSize)) {
            out.add(new TokenizedExample(e.id(), encoder.encodeSource(e.dialogue()), new int[] {encoder.tokenizer().eosTokenId()}));
        }
        return out;
    }

    /** Tokens a step learns from, as Trainer counts them: real source tokens plus label tokens. */
    static long tokens(Batch batch) {
        return batch.sourceTokens() + batch.labelTokens();
    }

    /**
     * A training step's entry in the run record: step number, warm-up or not, and the batch's tokens, id
     * digest and shape, which the report compares with the Python side's to prove both trained on the same.
     */
    static ObjectNode recordStep(RunRecord record, int step, boolean warmup, Batch batch) {
        ObjectNode entry = record.addCall();
        entry.put("step", step).put("warmup", warmup).put("tokens", tokens(batch)).put("id_sum", idSum(batch))
                .put("batch", batch.size()).put("source_length", batch.sourceLength()).put("target_length", batch.targetLength());
        return entry;
    }

    /** A cheap digest of a batch's ids (source tokens under the mask, labels not ignored), to prove both sides saw the same. */
    static long idSum(Batch batch) {
        long sum = 0;
        for (int i = 0; i < batch.inputIds().length; i++) {
            sum += batch.attentionMask()[i] * batch.inputIds()[i];
        }
        for (long label : batch.labels()) {
            if (label != Batch.IGNORE_INDEX) {
                sum += label;
            }
        }
        return sum;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = options(args);
        Path out = Path.of(required(options, "--out"));
        int batchSize = Integer.parseInt(options.getOrDefault("--batch-size", "8"));
        int count = Integer.parseInt(options.getOrDefault("--count", "16"));
        int maxSource = Integer.parseInt(options.getOrDefault("--max-source", "512"));
        int maxTarget = Integer.parseInt(options.getOrDefault("--max-target", "128"));
        int generationBatch = Integer.parseInt(options.getOrDefault("--generation-batch", "8"));

        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("dataset", "DialogSum train (training), test (generation)");
        root.put("tokenizer", BenchData.tokenizerDir().toString());
        root.put("prompt", SummarizationPrompt.DEFAULT_TEMPLATE);
        root.put("max_source_length", maxSource);
        root.put("max_target_length", maxTarget);
        root.put("batch_size", batchSize);
        root.put("seed", SEED);
        root.put("bucket_factor", BUCKET_FACTOR);
        root.put("pad_id", 0);
        root.put("ignore_index", Batch.IGNORE_INDEX);
        Training training = training(batchSize, count, maxSource, maxTarget);
        ArrayNode batches = root.putArray("training");
        for (int b = 0; b < training.batches().size(); b++) {
            ObjectNode node = batches.addObject();
            ArrayNode rows = node.putArray("rows");
            for (int row : training.rows().get(b)) {
                rows.add(row);
            }
            ArrayNode ids = node.putArray("input_ids");
            ArrayNode labels = node.putArray("labels");
            for (TokenizedExample e : training.examples().get(b)) {
                addInts(ids.addArray(), e.inputIds());
                addInts(labels.addArray(), e.labels());
            }
            node.put("tokens", tokens(training.batches().get(b)));
            node.put("id_sum", idSum(training.batches().get(b)));
        }
        ObjectNode generation = root.putObject("generation");
        generation.put("split", "test");
        ArrayNode ids = generation.putArray("input_ids");
        ArrayNode rowIds = generation.putArray("ids");
        for (TokenizedExample e : generationInputs(generationBatch, maxSource)) {
            addInts(ids.addArray(), e.inputIds());
            rowIds.add(e.id());
        }
        AtomicFiles.write(out, json.writeValueAsBytes(root));
        System.err.printf("wrote %s: %d training batches of %d, generation batch of %d%n", out, count, batchSize, generationBatch);
    }

    private static void addInts(ArrayNode array, int[] values) {
        for (int v : values) {
            array.add(v);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + List.of(args));
            }
            out.put(args[i], args[i + 1]);
        }
        return out;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}
