package dev.lora4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.testing.PythonReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which files a download takes: the T5 defaults, include/exclude patterns with exactly huggingface_hub's
 * meaning (checked against its filter_repo_objects), and the refusal of repositories that offer only weights
 * lora4j cannot read.
 */
class FileSelectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA1 = "0123456789abcdef0123456789abcdef01234567";
    private static final String SHA256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static RepoListing listing(String... paths) {
        List<RepoFile> files = new ArrayList<>();
        for (String path : paths) {
            boolean lfs = path.endsWith(".safetensors") || path.endsWith(".bin") || path.endsWith(".model");
            files.add(new RepoFile(path, 10, SHA1, lfs ? SHA256 : null));
        }
        return new RepoListing("org/model", "main", SHA1, files);
    }

    private static List<String> select(FileSelection selection, RepoListing listing) {
        return selection.select(listing).stream().map(RepoFile::path).toList();
    }

    @Test
    void theDefaultsTakeWhatAT5ModelNeedsAtTheTopLevel() {
        RepoListing flanT5 = listing(".gitattributes", "README.md", "config.json", "flax_model.msgpack", "generation_config.json",
                "model.safetensors", "pytorch_model.bin", "special_tokens_map.json", "spiece.model", "tf_model.h5",
                "tokenizer.json", "tokenizer_config.json", "onnx/model.safetensors", "checkpoint-5/model.safetensors");
        assertEquals(List.of("config.json", "generation_config.json", "model.safetensors", "special_tokens_map.json", "spiece.model",
                "tokenizer.json", "tokenizer_config.json"), select(FileSelection.defaults(), flanT5));

        RepoListing sharded = listing("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json", "pytorch_model-00001-of-00002.bin", "pytorch_model.bin.index.json", "tokenizer.json");
        assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json", "tokenizer.json"), select(FileSelection.defaults(), sharded));
    }

    @Test
    void aRepositoryWithOnlyPickleWeightsIsRefusedUnlessPatternsAskForThem() {
        RepoListing pickleOnly = listing("config.json", "pytorch_model.bin", "spiece.model", "tokenizer_config.json");

        HubException e = assertThrows(HubException.class, () -> FileSelection.defaults().select(pickleOnly));
        assertTrue(e.getMessage().contains("no safetensors weights") && e.getMessage().contains("pytorch_model.bin")
                && e.getMessage().contains("--include"), e.getMessage());

        assertEquals(List.of("config.json", "pytorch_model.bin"),
                select(FileSelection.of(List.of("config.json", "pytorch_model.bin"), List.of()), pickleOnly));
        // a repository with no weights at all (a tokenizer) is fine under the defaults
        assertEquals(List.of("spiece.model", "tokenizer_config.json"),
                select(FileSelection.defaults(), listing("README.md", "spiece.model", "tokenizer_config.json")));
    }

    @Test
    void includeReplacesTheDefaultsAndExcludeRemoves() {
        RepoListing repo = listing("config.json", "model.safetensors", "onnx/encoder.onnx", "onnx/decoder.onnx", "README.md", "spiece.model");
        assertEquals(List.of("onnx/encoder.onnx", "onnx/decoder.onnx"), select(FileSelection.of(List.of("onnx/"), List.of()), repo));
        assertEquals(List.of("config.json", "README.md"), select(FileSelection.of(List.of("*"), List.of("*.safetensors", "onnx/*", "*.model")), repo));
        assertEquals(List.of("config.json", "spiece.model"), select(FileSelection.of(null, List.of("*.safetensors")), repo),
                "an exclude alone narrows the defaults");
        HubException none = assertThrows(HubException.class, () -> FileSelection.of(List.of("*.gguf"), List.of()).select(repo));
        assertTrue(none.getMessage().contains("no file of org/model@main matches include [*.gguf]"), none.getMessage());
        assertTrue(none.getMessage().contains("config.json, model.safetensors"), "the message shows what there is: " + none.getMessage());
    }

    /** The same patterns and names through huggingface_hub's filter_repo_objects (fnmatchcase) and through ours. */
    @Test
    void patternsMatchExactlyAsHuggingFaceHubMatchesThem() throws Exception {
        List<String> names = List.of("config.json", "model.safetensors", "model-00001-of-00002.safetensors", "sub/model.safetensors",
                "onnx/encoder_model.onnx", "onnx", "README.md", ".gitattributes", "a[1].txt", "spiece.model",
                "docs/notes with spaces & ü.txt", "x-y.bin", "weird]name", "!bang", "a.b", "aXb", "Z.json", "-dash");
        List<String> patterns = List.of("*.json", "*", "*.safetensors", "model-*-of-*.safetensors", "onnx/", "onnx/*", "onnx",
                "sub/*.safetensors", "?onfig.json", "[a-m]*", "[!a-m]*", "a[[]1].txt", "weird]*", "*[0-9]*", "README.md",
                "*.MD", "[", "a[1", "[!]]*", "[]]*", "[a-]*", "[-a]*", "docs/*ü*", "**/*.safetensors", "*/model.safetensors",
                ".*", "a.b", "a?b", "[Z]*.json", "[!!]*", "*[.]json", "[a-c-e]*", "[\\-]*", "x-*");
        String script = """
                import json, sys
                from huggingface_hub.utils import filter_repo_objects
                names, patterns = json.loads(sys.argv[1]), json.loads(sys.argv[2])
                print(json.dumps({p: list(filter_repo_objects(names, allow_patterns=[p])) for p in patterns}))
                """;
        JsonNode expected = JSON.readTree(PythonReference.runSource(script, JSON.writeValueAsString(names), JSON.writeValueAsString(patterns)));
        for (String pattern : patterns) {
            GlobPattern glob = new GlobPattern(pattern);
            List<String> ours = names.stream().filter(glob::matches).toList();
            List<String> theirs = new ArrayList<>();
            expected.get(pattern).forEach(n -> theirs.add(n.asText()));
            assertEquals(theirs, ours, "pattern " + pattern);
        }
    }
}
