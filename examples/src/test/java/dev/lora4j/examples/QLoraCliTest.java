package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.quant.Linear4bit;
import dev.lora4j.quant.QuantConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QLoRA through the CLI: finetune --quantize nf4 trains LoRA over a 4-bit base and saves an ordinary PEFT LoRA
 * directory; merge --quantize nf4 dequantizes the same base, adds the update and writes a float checkpoint
 * whose q weight is exactly dequant(W) + s·B·A; --method full with --quantize is refused; info --quantize prints the
 * bytes of the 32 4-bit layers.
 */
class QLoraCliTest extends LiveTensorCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void finetuneOverA4bitBaseAndMergeToFloat() throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(CliTest.sharedData("flan-t5-small/config.json").toFile());
        c.put("vocab_size", 384).put("d_model", 64).put("d_kv", 16).put("d_ff", 128).put("num_layers", 2)
                .put("num_decoder_layers", 2).put("num_heads", 4);
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, c.toPrettyString());
        Path test = CliTest.sharedData("dialogsum/dialogsum.test.jsonl");
        Path run = dir.resolve("run");
        CliTest.Run trained = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--quantize", "nf4", "--train", test.toString(),
                "--limit", "8", "--steps", "2", "--batch-size", "4", "--max-source-length", "64", "--max-target-length", "16",
                "--eval-samples", "0", "--threads", "2", "--lora-init", "random", "-o", run.toString());
        assertEquals(0, trained.code(), trained.err());
        JsonNode saved = JSON.readTree(run.resolve("final/adapter_config.json").toFile());
        assertEquals("LORA", saved.get("peft_type").asText());
        try (SafetensorsFile f = SafetensorsFile.open(run.resolve("final/adapter_model.safetensors"))) {
            assertTrue(f.names().stream().allMatch(n -> n.contains(".lora_A.weight") || n.contains(".lora_B.weight")), f.names().toString());
            assertTrue(f.names().stream().allMatch(n -> f.info(n).dtype() == DType.FLOAT32), "float32 adapters");
        }

        CliTest.Run info = CliTest.run("info", "-m", config.toString(), "--quantize", "nf4");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("Linear4bit") && info.out().contains("in 32 layers"), info.out());

        CliTest.Run full = CliTest.run("finetune", "-m", config.toString(), "--random-init", "--quantize", "nf4", "--method", "full",
                "--train", test.toString(), "--limit", "8", "--steps", "1", "-o", dir.resolve("full").toString());
        assertEquals(1, full.code());
        assertTrue(full.err().contains("--method full cannot update 4-bit weights"), full.err());

        Path merged = dir.resolve("merged");
        CliTest.Run merge = CliTest.run("merge", "-m", config.toString(), "--random-init", "--quantize", "nf4", "--adapter",
                run.resolve("final").toString(), "-o", merged.toString());
        assertEquals(0, merge.code(), merge.err());
        assertTrue(merge.out().contains("dequantized 32 4-bit layers"), merge.out());
        String q = "encoder.block.0.layer.0.SelfAttention.q";
        double scale = saved.get("lora_alpha").asDouble() / saved.get("r").asDouble();
        try (T5ForConditionalGeneration base = T5ForConditionalGeneration.fromConfig(T5Config.load(config), 0, Device.CPU, DType.FLOAT32,
                QuantConfig.qlora());
             Scope scope = Scope.open();
             SafetensorsFile m = SafetensorsFile.open(merged.resolve("model.safetensors"));
             SafetensorsFile a = SafetensorsFile.open(run.resolve("final/adapter_model.safetensors"))) {
            Tensor w = ((Linear4bit) base.linearLayers().get(q)).dequantizedWeight();
            Tensor loraA = TensorFiles.read(a, "base_model.model." + q + ".lora_A.weight", Device.CPU, null);
            Tensor loraB = TensorFiles.read(a, "base_model.model." + q + ".lora_B.weight", Device.CPU, null);
            Tensor want = w.add(loraB.matmul(loraA).mul(scale));
            Tensor got = TensorFiles.read(m, q + ".weight", Device.CPU, null);
            assertEquals(DType.FLOAT32, got.dtype(), "a float checkpoint");
            double err = got.sub(want).abs().max().item();
            assertTrue(err <= 1e-6, "merged q = dequant(W) + s·B·A, max error " + err);
            assertTrue(loraB.abs().max().item() > 0, "the adapter was trained");
            System.out.printf("QLoraCliTest: merged weight = dequant(W) + s·B·A within %.2e%n", err);
        }
    }
}
