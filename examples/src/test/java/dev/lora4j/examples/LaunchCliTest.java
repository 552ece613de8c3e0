package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `lora4j launch --nproc 2 finetune ...` on a tiny byte-level T5: two worker JVMs over Gloo on
 * 127.0.0.1, output prefixed by rank, rank 0 alone writes the run; launching the finished run again on
 * another number of processes is refused by rank 0 and the launcher stops the others.
 */
class LaunchCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoWorkersTrainOneRunAndAnotherWorldSizeIsRefused(@TempDir Path dir) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(CliTest.sharedData("flan-t5-small/config.json").toFile());
        c.put("vocab_size", 384).put("d_model", 32).put("d_kv", 8).put("d_ff", 64).put("num_layers", 2)
                .put("num_decoder_layers", 2).put("num_heads", 4);
        Path config = dir.resolve("tiny-byte-config.json");
        Files.writeString(config, c.toPrettyString());
        Path run = dir.resolve("run");
        List<String> finetune = List.of("finetune", "-m", config.toString(), "--random-init",
                "--train", CliTest.sharedData("dialogsum/dialogsum.train.jsonl").toString(),
                "--validation", CliTest.sharedData("dialogsum/dialogsum.test.jsonl").toString(), "--limit", "24",
                "--steps", "4", "--batch-size", "2", "--lr", "5e-3", "--checkpoint-every", "2", "--targets", "q,v",
                "--eval-every", "2", "--eval-samples", "2", "--max-source-length", "64", "--max-target-length", "16",
                "--max-new-tokens", "4", "--threads", "1", "-o", run.toString());

        CliTest.Run r = CliTest.run(launch(2, finetune));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("[rank 0] data parallel: rank 0 of 2"), r.out());
        assertTrue(r.out().contains("[rank 1] data parallel: rank 1 of 2"), r.out());
        assertTrue(r.out().contains("[rank 1] rank 1: trained 4 steps"), r.out());
        assertTrue(r.out().contains("[rank 0] report: "), r.out());
        assertTrue(Files.isRegularFile(run.resolve("final").resolve("adapter_model.safetensors")));
        JsonNode state = JSON.readTree(run.resolve("checkpoints").resolve("step-00000004").resolve("trainer_state.json").toFile());
        assertEquals(2, state.get("world_size").asInt());
        long lossRows = Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"loss\"")).count();
        assertEquals(4, lossRows, "each step logged once, by rank 0");

        CliTest.Run three = CliTest.run(launch(3, finetune));
        assertEquals(1, three.code(), three.out() + three.err());
        // Every rank refuses; whichever exits first makes the launcher stop the rest.
        assertTrue(three.out().contains("] error: ") && three.out().contains(
                "was written by a run on 2 process(es), this one has 3: resume with the same number of processes"), three.out());
        assertTrue(three.err().contains("stopping the other workers"), three.err());
    }

    private static String[] launch(int nproc, List<String> command) {
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", Integer.toString(nproc), "--timeout", "60",
                "--threads-per-worker", "1"));
        args.addAll(command);
        return args.toArray(String[]::new);
    }
}
