package dev.lora4j.examples;

import dev.lora4j.io.FiniteCheck;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.Lora4jException;
import dev.lora4j.quant.T5Quantization;
import java.util.List;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Folds an adapter into its base model and saves a plain Hugging Face checkpoint (PEFT's merge_and_unload). */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Merge an adapter into the base model and save a full HF checkpoint (with the tokenizer files).")
final class MergeCommand implements Callable<Integer> {
    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "The adapter directory (adapter_config.json + adapter_model.safetensors).")
    Path adapter;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "Where the merged checkpoint goes (must be new or empty).")
    Path out;

    @Mixin
    ModelOptions modelOptions;

    @Override
    public Integer call() throws IOException {
        modelOptions.check(System.err);
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new Lora4jException("cli", "-o " + out + " is a file: name a new or empty directory");
            }
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new Lora4jException("cli", out + " is not empty: merging will not overwrite a checkpoint; choose a new -o");
                }
            }
        }
        FiniteCheck.directory(adapter);
        // Written beside the target and renamed into place: a failed or killed merge leaves no partial
        // checkpoint behind, so a retry never finds -o "not empty".
        Path target = out.toAbsolutePath().normalize();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            String described;
            try (T5ForConditionalGeneration model = modelOptions.loadModel()) {
                // QLoRA: the adapter merges into the dequantized 4-bit weights; the result is a float checkpoint.
                List<String> dequantized = T5Quantization.dequantize(model);
                if (!dequantized.isEmpty()) {
                    System.out.printf("dequantized %d 4-bit layers: the merged checkpoint is float (%s)%n", dequantized.size(),
                            model.dtype().name().toLowerCase(java.util.Locale.ROOT));
                }
                PeftModel peft = PeftModel.load(model, adapter, 0);
                String refusal = peft.mergeRefusal();
                if (refusal != null) {
                    throw new Lora4jException("cli", adapter + ": " + refusal);
                }
                described = peft.describe();
                T5ForConditionalGeneration merged = peft.mergeAndUnload();
                // An overflow in W + BA (float16) would save a checkpoint that summarizes to nothing.
                FiniteCheck.tensors(merged.namedParameters(), "the merged model");
                merged.save(tmp);
                TokenizerCopy.into(modelOptions.tokenizerDirectory(), tmp);
            }
            if (Files.exists(target)) {
                Files.delete(target); // empty, checked above
            }
            Files.createDirectories(target.getParent());
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            System.out.printf("merged %s (%s) into %s%n", adapter, described, out);
        } finally {
            deleteTree(tmp);
        }
        return 0;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
