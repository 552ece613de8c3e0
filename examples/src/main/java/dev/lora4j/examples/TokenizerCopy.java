package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Copies a model's tokenizer files next to a saved checkpoint, so the directory is complete for transformers too. */
final class TokenizerCopy {
    static final List<String> FILES = List.of("tokenizer.json", "spiece.model", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json");

    private TokenizerCopy() {}

    /** Copies what exists of FILES from source into target; a null source (byte-level tokenizer) copies nothing. */
    static void into(Path source, Path target) {
        if (source == null) {
            return;
        }
        try {
            Files.createDirectories(target);
            for (String name : FILES) {
                Path file = source.resolve(name);
                if (Files.isRegularFile(file)) {
                    Files.copy(file, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new Lora4jException("cli", "cannot copy tokenizer files from " + source + " to " + target + ": " + IoMessages.describe(e), e);
        }
    }
}
