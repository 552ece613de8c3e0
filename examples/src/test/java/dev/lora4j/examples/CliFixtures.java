package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tiny inputs for the CLI reliability tests, built once per test JVM: a byte-level T5 config (as CliTest
 * uses), a one-step LoRA adapter trained on it, and helpers that damage copies of them.
 */
final class CliFixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path TRAIN = CliTest.sharedData("dialogsum/dialogsum.train.jsonl");
    static final Path TEST = CliTest.sharedData("dialogsum/dialogsum.test.jsonl");

    private static Path root;
    private static Path config;
    private static Path adapter;

    private CliFixtures() {}

    static synchronized Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("lora4j-cli-fixtures");
        }
        return root;
    }

    /** A 2-layer, d_model 32 byte-level T5 config with an untied head (FLAN-T5's layout). */
    static synchronized Path config() throws IOException {
        if (config == null) {
            config = writeConfig(root().resolve("tiny-config.json"), c -> {});
        }
        return config;
    }

    static Path writeConfig(Path file, java.util.function.Consumer<ObjectNode> change) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(CliTest.sharedData("flan-t5-small/config.json").toFile());
        c.put("vocab_size", 384).put("d_model", 32).put("d_kv", 8).put("d_ff", 64).put("num_layers", 2)
                .put("num_decoder_layers", 2).put("num_heads", 4);
        change.accept(c);
        Files.createDirectories(file.getParent());
        Files.writeString(file, c.toPrettyString());
        return file;
    }

    /** finetune arguments on the tiny config: one quick step unless extra says otherwise. */
    static String[] finetune(Path out, String... extra) throws IOException {
        return finetune(out, TRAIN, 2, extra);
    }

    /** finetune arguments on the tiny config with another training file and batch size. */
    static String[] finetune(Path out, Path train, int batchSize, String... extra) throws IOException {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("finetune", "-m", config().toString(), "--random-init",
                "--train", train.toString(), "--limit", "4", "--steps", "1", "--batch-size", Integer.toString(batchSize), "--max-source-length", "48",
                "--max-target-length", "12", "--threads", "2", "-o", out.toString()));
        args.addAll(java.util.List.of(extra));
        return args.toArray(String[]::new);
    }

    /** A LoRA adapter (PEFT layout, r 8, targets q and v) trained one step on the tiny model. */
    static synchronized Path adapter() throws IOException {
        if (adapter == null) {
            Path run = root().resolve("adapter-run");
            CliTest.Run r = CliTest.run(finetune(run));
            assertEquals(0, r.code(), r.out() + r.err());
            adapter = run.resolve("final");
        }
        return adapter;
    }

    /** A copy of the adapter whose first lora_B tensor holds NaN. */
    static Path nanAdapter(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(adapter().resolve("adapter_config.json"), dir.resolve("adapter_config.json"));
        Path weights = adapter().resolve("adapter_model.safetensors");
        try (Scope scope = Scope.open(); SafetensorsFile file = SafetensorsFile.open(weights)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            boolean poisoned = false;
            for (String name : file.names()) {
                Tensor t = TensorFiles.read(file, name, Device.CPU, null);
                if (!poisoned && name.contains("lora_B")) {
                    t = Tensor.full(Double.NaN, t.dtype(), Device.CPU, t.shape());
                    poisoned = true;
                }
                tensors.put(name, t);
            }
            TensorFiles.save(tensors, Map.of("format", "pt"), dir.resolve("adapter_model.safetensors"));
        }
        return dir;
    }

    /** A saved model directory of the tiny config whose tensor {@code poison} (if not null) is all NaN. */
    static Path modelDirectory(Path dir, String poison) throws IOException {
        try (Scope scope = Scope.open();
             T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(T5Config.load(config()), 0, Device.CPU, DType.FLOAT32)) {
            Map<String, Tensor> weights = new LinkedHashMap<>(model.namedParameters());
            if (poison != null) {
                Tensor t = weights.get(poison);
                weights.put(poison, Tensor.full(Double.NaN, t.dtype(), Device.CPU, t.shape()));
            }
            model.save(dir, weights);
        }
        return dir;
    }

    /** A copy of the adapter with adapter_config.json fields changed. */
    static Path adapterWithConfig(Path dir, java.util.function.Consumer<ObjectNode> change) throws IOException {
        Files.createDirectories(dir);
        Files.copy(adapter().resolve("adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        ObjectNode c = (ObjectNode) JSON.readTree(adapter().resolve("adapter_config.json").toFile());
        change.accept(c);
        Files.writeString(dir.resolve("adapter_config.json"), c.toPrettyString());
        return dir;
    }

    /** A JSONL file of DialogSum rows with the given (dialogue, summary) pairs, ids r1, r2, ... */
    static Path jsonl(Path file, String... dialogueSummaryPairs) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < dialogueSummaryPairs.length; i += 2) {
            ObjectNode row = JSON.createObjectNode().put("fname", "r" + (i / 2 + 1)).put("dialogue", dialogueSummaryPairs[i])
                    .put("summary", dialogueSummaryPairs[i + 1]).put("topic", "t");
            b.append(row).append('\n');
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, b.toString());
        return file;
    }
}
