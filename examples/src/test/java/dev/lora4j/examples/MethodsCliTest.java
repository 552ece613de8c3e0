package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * IA3, LN tuning, BitFit and DoRA through the CLI, which names none of them: finetune --method trains and saves
 * the method's PEFT adapter directory with the options' defaults (DoRA: a LORA directory with use_dora), and
 * merge folds IA3, LN tuning and DoRA into a checkpoint and refuses BitFit with the method's reason (T5 has no biases to merge into).
 */
class MethodsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"ia3, IA3", "ln-tuning, LN_TUNING", "bitfit, BEFT", "dora, LORA"})
    void aMethodTrainsWithItsDefaultsAndMergesOrSaysWhyNot(String method, String peftType) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(CliTest.sharedData("flan-t5-small/config.json").toFile());
        c.put("vocab_size", 384).put("d_model", 32).put("d_kv", 8).put("d_ff", 64).put("num_layers", 2)
                .put("num_decoder_layers", 2).put("num_heads", 4);
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, c.toPrettyString());
        Path test = CliTest.sharedData("dialogsum/dialogsum.test.jsonl");

        Path run = dir.resolve("run");
        CliTest.Run trained = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--train", test.toString(), "--limit", "8",
                "--steps", "2", "--batch-size", "4", "--method", method, "--max-source-length", "64",
                "--max-target-length", "16", "--eval-samples", "0", "--threads", "2", "-o", run.toString());
        assertEquals(0, trained.code(), trained.err());
        JsonNode saved = JSON.readTree(run.resolve("final/adapter_config.json").toFile());
        assertEquals(peftType, saved.get("peft_type").asText());
        assertEquals(method.equals("dora"), saved.get("use_dora") != null && saved.get("use_dora").asBoolean(),
                "DoRA is LoRA with use_dora");
        CliTest.Run help = CliTest.run("finetune", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("(defaults: lora q,v; ia3 k,v,wo; ln-tuning layer_norm,final_layer_norm;"),
                "a shared option shows each method's default: " + help.out());
        CliTest.Run described = CliTest.run("info", "-m", config.toString(), "--adapter", run.resolve("final").toString());
        assertEquals(0, described.code(), described.err());
        assertTrue(described.out().contains(method), described.out());

        CliTest.Run merge = CliTest.run("merge", "-m", config.toString(), "--random-init", "--adapter", run.resolve("final").toString(),
                "-o", dir.resolve("merged").toString());
        if (method.equals("bitfit")) {
            assertEquals(1, merge.code());
            assertTrue(merge.err().contains("no bias parameter"), merge.err());
        } else {
            assertEquals(0, merge.code(), merge.err());
            assertTrue(Files.exists(dir.resolve("merged").resolve("config.json")));
        }
    }

    /**
     * Bottleneck adapters through their presets: --method adapter-houlsby trains AdapterHub's Houlsby layout with
     * an option overriding the preset, saves AdapterHub's files, summarizes with them, and merge refuses.
     */
    @ParameterizedTest
    @CsvSource({"adapter-houlsby, true, swish", "adapter-pfeiffer, false, relu"})
    void aBottleneckPresetTrainsSavesAdapterHubsFilesAndRefusesMerge(String method, boolean mh, String act) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(CliTest.sharedData("flan-t5-small/config.json").toFile());
        c.put("vocab_size", 384).put("d_model", 32).put("d_kv", 8).put("d_ff", 64).put("num_layers", 2)
                .put("num_decoder_layers", 2).put("num_heads", 4);
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, c.toPrettyString());
        Path test = CliTest.sharedData("dialogsum/dialogsum.test.jsonl");
        Path run = dir.resolve("run");
        CliTest.Run trained = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--train", test.toString(), "--limit", "8",
                "--steps", "2", "--batch-size", "4", "--method", method, "--reduction-factor", "8", "--max-source-length", "64",
                "--max-target-length", "16", "--eval-samples", "0", "--threads", "2", "-o", run.toString());
        assertEquals(0, trained.code(), trained.err());
        JsonNode saved = JSON.readTree(run.resolve("final/adapter_config.json").toFile());
        assertEquals(mh, saved.get("config").get("mh_adapter").asBoolean());
        assertEquals(act, saved.get("config").get("non_linearity").asText());
        assertEquals(8, saved.get("config").get("reduction_factor").asInt(), "the option wins over the preset");
        assertTrue(Files.exists(run.resolve("final/adapter.safetensors")), "AdapterHub's weights file");

        Path text = dir.resolve("dialogue.txt");
        Files.writeString(text, "#Person1#: Hi, how are you? #Person2#: Fine, thanks.");
        CliTest.Run summary = CliTest.run("summarize", "-m", config.toString(), "--random-init", "--adapter",
                run.resolve("final").toString(), "--max-new-tokens", "4", text.toString());
        assertEquals(0, summary.code(), summary.err());
        CliTest.Run merge = CliTest.run("merge", "-m", config.toString(), "--random-init", "--adapter", run.resolve("final").toString(),
                "-o", dir.resolve("merged").toString());
        assertEquals(1, merge.code());
        assertTrue(merge.err().contains("cannot be merged"), merge.err());
        CliTest.Run wrongOption = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--train", test.toString(),
                "--method", method, "--lora-alpha", "4", "-o", dir.resolve("other").toString());
        assertTrue(wrongOption.code() != 0, wrongOption.err());
        assertTrue(wrongOption.err().contains("--alpha is an option of --method lora, not of --method " + method), wrongOption.err());
    }

    /** AdaMix and paper-mode prefix tuning through the CLI: trained, used by summarize, merge refused with the reason. */
    @ParameterizedTest
    @CsvSource({"adamix, ADAMIX, --num-experts, 2", "prefix-tuning-paper, , --prefix-length, 4"})
    void aMethodWithoutAMergeTrainsAndSummarizes(String method, String peftType, String option, String value) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(CliTest.sharedData("flan-t5-small/config.json").toFile());
        c.put("vocab_size", 384).put("d_model", 32).put("d_kv", 8).put("d_ff", 64).put("num_layers", 2)
                .put("num_decoder_layers", 2).put("num_heads", 4);
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, c.toPrettyString());
        Path run = dir.resolve("run");
        CliTest.Run trained = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--train",
                CliTest.sharedData("dialogsum/dialogsum.test.jsonl").toString(), "--limit", "8", "--steps", "2", "--batch-size", "4",
                "--method", method, option, value, "--max-source-length", "64", "--max-target-length", "16",
                "--eval-samples", "0", "--threads", "2", "-o", run.toString());
        assertEquals(0, trained.code(), trained.err());
        JsonNode saved = JSON.readTree(run.resolve("final/adapter_config.json").toFile());
        if (peftType != null) {
            assertEquals(peftType, saved.get("peft_type").asText());
        } else {
            assertEquals("prefix_tuning", saved.get("config").get("architecture").asText(), "AdapterHub's layout");
        }
        Path text = dir.resolve("dialogue.txt");
        Files.writeString(text, "#Person1#: Hi, how are you? #Person2#: Fine, thanks.");
        CliTest.Run summary = CliTest.run("summarize", "-m", config.toString(), "--random-init", "--adapter",
                run.resolve("final").toString(), "--max-new-tokens", "4", text.toString());
        assertEquals(0, summary.code(), summary.err());
        CliTest.Run merge = CliTest.run("merge", "-m", config.toString(), "--random-init", "--adapter", run.resolve("final").toString(),
                "-o", dir.resolve("merged").toString());
        assertEquals(1, merge.code());
        assertTrue(merge.err().contains("cannot be merged"), merge.err());
    }
}
