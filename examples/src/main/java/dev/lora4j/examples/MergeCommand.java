package dev.lora4j.examples;

import dev.lora4j.peft.PeftModel;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.Lora4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        if (Files.exists(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new Lora4jException("cli", out + " is not empty: merging will not overwrite a checkpoint");
                }
            }
        }
        try (T5ForConditionalGeneration model = modelOptions.loadModel()) {
            PeftModel peft = PeftModel.load(model, adapter, 0);
            String refusal = peft.mergeRefusal();
            if (refusal != null) {
                throw new Lora4jException("cli", adapter + ": " + refusal);
            }
            String described = peft.describe();
            peft.mergeAndUnload().save(out);
            TokenizerCopy.into(modelOptions.tokenizerDirectory(), out);
            System.out.printf("merged %s (%s) into %s%n", adapter, described, out);
        }
        return 0;
    }
}
