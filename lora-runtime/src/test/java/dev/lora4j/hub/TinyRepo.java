package dev.lora4j.hub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small T5-shaped model repository for the fake hub: configs and tokenizer files stored in git, and LFS
 * files (a real safetensors file of about 300 KiB, the SentencePiece model, a PyTorch pickle and a checkpoint
 * in a subfolder) stored in LFS, as on the real hub.
 */
final class TinyRepo {
    static final String REPO = "lora4j-test/tiny-flan-t5";
    static final String COMMIT = "8f0e6a4c1b7d2e9f3a5c6b8d0e1f2a3b4c5d6e7f";
    static final String WEIGHTS = "model.safetensors";
    static final int WEIGHT_FLOATS = 75_000; // 300,000 bytes of data

    /** What the default T5 selection must pick from this repository, in listing order. */
    static final List<String> DEFAULT_SELECTION = List.of("config.json", "generation_config.json", WEIGHTS,
            "special_tokens_map.json", "spiece.model", "tokenizer.json", "tokenizer_config.json");

    private TinyRepo() {}

    static FakeHub start() throws IOException {
        FakeHub hub = new FakeHub(REPO, COMMIT);
        SplittableRandom random = new SplittableRandom(20240607);
        hub.put(".gitattributes", text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.model filter=lfs diff=lfs merge=lfs -text\n"), false);
        hub.put("README.md", text("---\nlicense: apache-2.0\n---\n# tiny-flan-t5\nA test fixture.\n"), false);
        hub.put("config.json", text("""
                {
                  "architectures": ["T5ForConditionalGeneration"],
                  "d_ff": 64, "d_kv": 8, "d_model": 32, "decoder_start_token_id": 0,
                  "eos_token_id": 1, "feed_forward_proj": "gated-gelu", "model_type": "t5",
                  "num_decoder_layers": 2, "num_heads": 4, "num_layers": 2, "pad_token_id": 0,
                  "relative_attention_num_buckets": 32, "tie_word_embeddings": false, "vocab_size": 2343
                }
                """), false);
        hub.put("generation_config.json", text("{\"decoder_start_token_id\": 0, \"eos_token_id\": 1, \"pad_token_id\": 0}\n"), false);
        hub.put(WEIGHTS, safetensors(random), true);
        hub.put("pytorch_model.bin", bytes(random, 40_000), true);
        hub.put("special_tokens_map.json", text("{\"eos_token\": \"</s>\", \"pad_token\": \"<pad>\", \"unk_token\": \"<unk>\"}\n"), false);
        hub.put("spiece.model", bytes(random, 64 * 1024), true);
        hub.put("tokenizer.json", text("{\"version\": \"1.0\", \"model\": {\"type\": \"Unigram\", \"vocab\": [[\"<pad>\", 0.0], [\"caf\u00e9\", -1.5]]}}\n"), false);
        hub.put("tokenizer_config.json", text("{\"model_max_length\": 512, \"tokenizer_class\": \"T5Tokenizer\"}\n"), false);
        hub.put("checkpoint-10/model.safetensors", bytes(random, 5_000), true);
        hub.put("docs/notes with spaces & ü.txt", text("a file whose name needs percent-encoding\n"), false);
        return hub;
    }

    /** A valid safetensors file: one F32 tensor "shared.weight" (3000, 25) of pseudo-random values. */
    private static byte[] safetensors(SplittableRandom random) {
        String header = "{\"shared.weight\":{\"dtype\":\"F32\",\"shape\":[3000,25],\"data_offsets\":[0," + (WEIGHT_FLOATS * 4)
                + "]},\"__metadata__\":{\"format\":\"pt\"}}";
        while (header.length() % 8 != 0) {
            header += " ";
        }
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + headerBytes.length + WEIGHT_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(headerBytes.length).put(headerBytes);
        for (int i = 0; i < WEIGHT_FLOATS; i++) {
            buffer.putFloat((float) (random.nextDouble() * 2 - 1));
        }
        return buffer.array();
    }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
