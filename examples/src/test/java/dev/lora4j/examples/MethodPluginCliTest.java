package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A method the CLI has never heard of: the toy prefix method of lora-runtime's tests (registered through
 * META-INF/services in its test-jar) gets its options in finetune, trains into a run directory, and its
 * adapter is used by summarize, eval and info, and refused by merge with the method's reason. No CLI
 * code names it.
 */
class MethodPluginCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aRegisteredMethodTrainsAndIsUsedByEveryCommand() throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(CliTest.sharedData("flan-t5-small/config.json").toFile());
        c.put("vocab_size", 384).put("d_model", 32).put("d_kv", 8).put("d_ff", 64).put("num_layers", 2)
                .put("num_decoder_layers", 2).put("num_heads", 4);
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, c.toPrettyString());
        Path test = CliTest.sharedData("dialogsum/dialogsum.test.jsonl");

        CliTest.Run info = CliTest.run("info", "--methods");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("toy-prefix") && info.out().contains("--toy-tokens"), info.out());

        Path run = dir.resolve("run");
        CliTest.Run wrong = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--train", test.toString(), "--limit", "8",
                "--steps", "1", "--method", "lora", "--toy-tokens", "3", "-o", dir.resolve("wrong").toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("--toy-tokens is an option of --method toy-"), wrong.err());

        CliTest.Run trained = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--train", test.toString(), "--limit", "8",
                "--steps", "2", "--batch-size", "4", "--method", "toy-prefix", "--toy-tokens", "3", "--max-source-length", "64",
                "--max-target-length", "16", "--eval-samples", "0", "--threads", "2", "-o", run.toString());
        assertEquals(0, trained.code(), trained.err());
        JsonNode saved = JSON.readTree(run.resolve("final/adapter_config.json").toFile());
        assertEquals("TOY_PREFIX", saved.get("peft_type").asText());
        assertEquals(3, saved.get("num_virtual_tokens").asInt());
        JsonNode runConfig = JSON.readTree(run.resolve("run-config.json").toFile());
        assertEquals(3, runConfig.get("method_config").get("num_virtual_tokens").asInt());

        CliTest.Run disagree = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--train", test.toString(), "--limit", "8",
                "--steps", "1", "--init-adapter", run.resolve("final").toString(), "--toy-tokens", "5",
                "-o", dir.resolve("again").toString());
        assertEquals(1, disagree.code());
        assertTrue(disagree.err().contains("--toy-tokens is 5 but its \"num_virtual_tokens\" is 3"), disagree.err());

        CliTest.Run summary = CliTest.run("summarize", "-m", config.toString(), "--random-init", "--adapter", run.resolve("final").toString(),
                "--max-new-tokens", "4", "--limit", "2", test.toString());
        assertEquals(0, summary.code(), summary.err());

        CliTest.Run described = CliTest.run("info", "-m", config.toString(), "--adapter", run.resolve("final").toString());
        assertEquals(0, described.code(), described.err());
        assertTrue(described.out().contains("toy-prefix") && described.out().contains("num_virtual_tokens"), described.out());

        CliTest.Run merge = CliTest.run("merge", "-m", config.toString(), "--random-init", "--adapter", run.resolve("final").toString(),
                "-o", dir.resolve("merged").toString());
        assertEquals(1, merge.code());
        assertTrue(merge.err().contains("cannot be merged"), merge.err());
    }
}
