package dev.lora4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * huggingface_hub (the pinned venv's, the client every Python user runs) against the same fake hub: it accepts
 * the fake's answers (so the fake is a fair stand-in for the real hub), reads the same listing we read, builds
 * the same addresses, and downloads byte-identical files.
 */
class PythonClientParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String SCRIPT = """
            import json, os, sys
            endpoint, repo, home, out, files, odd = sys.argv[1:7]
            # the reference runner forbids network access; this script talks to a local server only
            os.environ["HF_HUB_OFFLINE"] = "0"
            os.environ["HF_HOME"] = home
            os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
            os.environ["HF_HUB_DISABLE_XET"] = "1"
            os.environ.pop("HF_TOKEN", None)
            from huggingface_hub import HfApi, hf_hub_download, hf_hub_url
            api = HfApi(endpoint=endpoint, token=False)
            info = api.model_info(repo, revision="main", files_metadata=True)
            api.model_info(repo, revision="refs/pr/1", files_metadata=True)
            siblings = [{"path": s.rfilename, "size": s.size, "blobId": s.blob_id,
                         "sha256": s.lfs.sha256 if s.lfs else None} for s in info.siblings]
            for name in json.loads(files):
                hf_hub_download(repo, name, revision=info.sha, local_dir=out, endpoint=endpoint, token=False)
            url = hf_hub_url(repo, odd, revision="refs/pr/1", endpoint=endpoint)
            print(json.dumps({"sha": info.sha, "siblings": siblings, "url": url}))
            """;

    @TempDir
    Path temp;

    @Test
    void huggingFaceHubAndLora4jAgreeOnTheFakeHub() throws Exception {
        String odd = "docs/notes with spaces & ü.txt";
        try (FakeHub hub = TinyRepo.start()) {
            Path ours = temp.resolve("java");
            Path theirs = temp.resolve("python");
            RepoListing listing;
            List<String> selected;
            try (HubClient client = new HubClient(HubSettings.anonymous(hub.endpoint()))) {
                listing = client.listing(TinyRepo.REPO, "main");
                DownloadReport report = new HubDownloader(client).download(TinyRepo.REPO, "main", ours);
                selected = report.files().stream().map(f -> f.file().path()).toList();
                client.listing(TinyRepo.REPO, FakeHub.PR_REVISION);
            }
            List<String> javaListingPaths = hub.log().stream().map(FakeHub.Request::path).filter(p -> p.startsWith("/api/")).distinct().toList();
            hub.clearLog();

            JsonNode python = JSON.readTree(PythonReference.runSource(SCRIPT, hub.endpoint().toString(), TinyRepo.REPO,
                    temp.resolve("hf-home").toString(), theirs.toString(), JSON.writeValueAsString(selected), odd));

            // the same commit and the same file metadata, read by both parsers
            assertEquals(python.get("sha").asText(), listing.commit());
            JsonNode siblings = python.get("siblings");
            assertEquals(siblings.size(), listing.files().size());
            for (int i = 0; i < siblings.size(); i++) {
                JsonNode s = siblings.get(i);
                RepoFile f = listing.files().get(i);
                assertEquals(s.get("path").asText(), f.path());
                assertEquals(s.get("size").asLong(), f.size());
                assertEquals(s.get("blobId").asText(), f.blobId());
                assertEquals(s.get("sha256").isNull() ? null : s.get("sha256").asText(), f.lfsSha256(), f.path());
            }
            // the same addresses: listing requests (revision percent-encoded whole) and resolve URLs
            List<String> pythonListingPaths = hub.log().stream().map(FakeHub.Request::path).filter(p -> p.startsWith("/api/"))
                    .map(p -> p.replace("blobs=True", "blobs=true")).toList();
            assertEquals(javaListingPaths, pythonListingPaths);
            assertEquals(python.get("url").asText(), HubUrls.resolve(hub.endpoint(), TinyRepo.REPO, FakeHub.PR_REVISION, odd).toString());
            // Python fetched every file through the fake hub too (git files directly, LFS files via the CDN)
            assertTrue(hub.log().stream().anyMatch(r -> r.server().equals("cdn") && r.method().equals("GET")), hub.log().toString());
            for (String path : selected) {
                assertArrayEquals(Files.readAllBytes(theirs.resolve(path)), Files.readAllBytes(ours.resolve(path)), path);
            }
        }
    }
}
