package dev.lora4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two settings of a checkpoint's {@code tokenizer_config.json} that change results here:
 * whether decoding cleans up tokenization spaces (transformers' default is false; T5's original
 * config says true, flan-t5's false) and how many sentinel ids to add to a bare {@code spiece.model}.
 */
record TokenizerConfig(boolean cleanUpTokenizationSpaces, int extraIds) {
    static final TokenizerConfig DEFAULTS = new TokenizerConfig(false, 100);
    static final String FILE_NAME = "tokenizer_config.json";

    /** Reads {@code dir/tokenizer_config.json}, or returns the defaults when there is none. */
    static TokenizerConfig readFromDirectory(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return DEFAULTS;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(TokenizerFiles.read(file));
        } catch (IOException e) {
            throw new Lora4jException("tokenizer.load", file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new Lora4jException("tokenizer.load", file + " must hold a JSON object");
        }
        boolean cleanUp = DEFAULTS.cleanUpTokenizationSpaces();
        JsonNode c = root.get("clean_up_tokenization_spaces");
        if (c != null && !c.isNull()) {
            if (!c.isBoolean()) {
                throw new Lora4jException("tokenizer.load", file + ": clean_up_tokenization_spaces must be a boolean");
            }
            cleanUp = c.booleanValue();
        }
        int extraIds = DEFAULTS.extraIds();
        JsonNode e = root.get("extra_ids");
        if (e != null && !e.isNull()) {
            if (!e.isInt() || e.intValue() < 0 || e.intValue() > 100_000) {
                throw new Lora4jException("tokenizer.load", file + ": extra_ids must be an integer in 0..100000");
            }
            extraIds = e.intValue();
        }
        return new TokenizerConfig(cleanUp, extraIds);
    }
}
