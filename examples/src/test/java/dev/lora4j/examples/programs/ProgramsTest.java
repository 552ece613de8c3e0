package dev.lora4j.examples.programs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.peft.lora.LoraConfig;
import dev.lora4j.t5.T5Config;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.testing.PythonReference;
import dev.lora4j.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each example program runs to the end on tiny shapes: a 1-layer random T5 with FLAN-T5's tokenizer,
 * the first 16 DialogSum dialogues of each split. scripts/consumer-test.sh runs QuickStart as a user
 * would, from the installed artifacts.
 */
class ProgramsTest {

    @Test
    void quickStartTrainsSavesAndSummarizes(@TempDir Path dir) throws Exception {
        String out = captureStdout(() -> QuickStart.main(new String[] {dir.resolve("adapter").toString(), "2", "tiny"}));
        assertTrue(out.contains("step 2 loss"), out);
        assertTrue(out.contains("summary: \""), out);
        assertTrue(Files.size(dir.resolve("adapter/adapter_model.safetensors")) > 0);
        assertTrue(Files.isRegularFile(dir.resolve("adapter/adapter_config.json")));
    }

    /** FineTuneDialogSum makes the adapter that SummarizeWithAdapter and CompareRouge then use. */
    @Test
    void fineTuneThenSummarizeThenCompare(@TempDir Path dir) throws Exception {
        Path model = tinyModel(dir.resolve("model"));
        Path data = Files.createDirectories(dir.resolve("dialogsum"));
        for (String split : List.of("train", "dev", "test")) {
            Path file = SharedData.path("dialogsum/dialogsum." + split + ".jsonl");
            try (var lines = Files.lines(file)) {
                Files.write(data.resolve(file.getFileName()), lines.limit(16).toList());
            }
        }
        Path adapter = dir.resolve("adapter");
        String trained = captureStdout(() -> FineTuneDialogSum.main(new String[] {model.toString(), data.toString(), adapter.toString(), "2", "2"}));
        assertTrue(trained.contains("trained 2 steps") && trained.contains("validation loss") && trained.contains("rougeLsum"), trained);

        Path dialogue = dir.resolve("dialogue.txt");
        Files.writeString(dialogue, "#Person1#: Lunch at noon?\n#Person2#: Sure, at the cafe.\n");
        String summarized = captureStdout(() -> SummarizeWithAdapter.main(new String[] {model.toString(), adapter.toString(), dialogue.toString()}));
        assertTrue(summarized.startsWith("dialogue.txt: "), summarized);

        String compared = captureStdout(() -> CompareRouge.main(new String[] {model.toString(), adapter.toString(), data.resolve("dialogsum.test.jsonl").toString(), "2"}));
        assertTrue(compared.contains("rouge1") && compared.contains("on 2 dialogues"), compared);
    }

    @Test
    void loadsAnAdapterMadeByPeftInPython(@TempDir Path dir) throws Exception {
        PythonReference.runSource("""
                import sys, torch
                from transformers import T5Config, T5ForConditionalGeneration
                from peft import LoraConfig, get_peft_model
                torch.manual_seed(0)
                config = T5Config(vocab_size=384, d_model=32, d_kv=8, d_ff=64, num_layers=1, num_decoder_layers=1,
                                  num_heads=4, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                                  decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
                base = T5ForConditionalGeneration(config)
                base.save_pretrained(sys.argv[1] + "/base")
                model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q", "v"],
                                                        init_lora_weights=False, task_type="SEQ_2_SEQ_LM"))
                model.save_pretrained(sys.argv[1] + "/adapter")
                """, dir.toString());
        String out = captureStdout(() -> LoadPythonAdapter.main(new String[] {dir.resolve("base").toString(), dir.resolve("adapter").toString()}));
        // q and v of the encoder's self-attention and the decoder's self- and cross-attention: 6 layers.
        assertTrue(out.contains("lora: ") && out.contains("\"r\":4") && out.contains("6 adapted layers") && out.contains("summary: \""), out);
    }

    /** A 1-layer random T5 of FLAN-T5's vocabulary, saved with FLAN-T5's tokenizer files. */
    private static Path tinyModel(Path dir) throws IOException {
        T5Config config = new T5Config(32128, 16, 4, 32, 1, 1, 2, 32, 128, 0.1, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, false, true, 0, 1, 0);
        try (T5ForConditionalGeneration model = T5ForConditionalGeneration.fromConfig(config, 1, Device.CPU, DType.FLOAT32)) {
            model.save(dir);
        }
        for (String file : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(SharedData.path("flan-t5-small/" + file), dir.resolve(file));
        }
        return dir;
    }

    private interface Program {
        void run() throws Exception;
    }

    private static String captureStdout(Program program) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            program.run();
        } finally {
            System.setOut(saved);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
