package dev.lora4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Endpoint and token resolution in huggingface_hub's order, from a given environment (never the real one). */
class HubSettingsTest {
    @TempDir
    Path temp;

    @Test
    void optionsBeatEnvironmentWhichBeatsTheDefault() {
        Map<String, String> env = Map.of("HF_ENDPOINT", "https://mirror.example/hf/", "HF_TOKEN", "hf_fromEnv", "HOME", temp.toString());
        HubSettings fromEnv = HubSettings.resolve(null, null, env);
        assertEquals(URI.create("https://mirror.example/hf"), fromEnv.endpoint(), "a trailing slash is dropped");
        assertEquals("hf_fromEnv", fromEnv.token());
        assertEquals("HF_TOKEN", fromEnv.tokenSource());

        HubSettings fromOptions = HubSettings.resolve("http://127.0.0.1:9999", "hf_fromOption", env);
        assertEquals(URI.create("http://127.0.0.1:9999"), fromOptions.endpoint());
        assertEquals("hf_fromOption", fromOptions.token());
        assertEquals("--token", fromOptions.tokenSource());

        HubSettings nothing = HubSettings.resolve(null, null, Map.of("HOME", temp.toString()));
        assertEquals(URI.create("https://huggingface.co"), nothing.endpoint());
        assertNull(nothing.token());
        assertEquals("none", nothing.tokenSource());
        assertFalse(nothing.offline());
    }

    @Test
    void theTokenFileWrittenByTheHuggingFaceLoginIsRead() throws IOException {
        Path home = temp.resolve("home");
        Files.createDirectories(home.resolve(".cache/huggingface"));
        Files.writeString(home.resolve(".cache/huggingface/token"), "hf_fromFile\n");
        HubSettings fromHome = HubSettings.resolve(null, null, Map.of("HOME", home.toString()));
        assertEquals("hf_fromFile", fromHome.token());
        assertEquals(home.resolve(".cache/huggingface/token").toString(), fromHome.tokenSource());

        Path hfHome = temp.resolve("hf-home");
        Files.createDirectories(hfHome);
        Files.writeString(hfHome.resolve("token"), "hf_fromHfHome");
        assertEquals("hf_fromHfHome", HubSettings.resolve(null, null, Map.of("HOME", home.toString(), "HF_HOME", hfHome.toString())).token());

        Path explicit = Files.writeString(temp.resolve("my-token"), "hf_fromTokenPath");
        Map<String, String> env = Map.of("HOME", home.toString(), "HF_HOME", hfHome.toString(), "HF_TOKEN_PATH", explicit.toString());
        assertEquals("hf_fromTokenPath", HubSettings.resolve(null, null, env).token());
        assertEquals("hf_env", HubSettings.resolve(null, null, Map.of("HOME", home.toString(), "HF_TOKEN", "hf_env")).token(),
                "HF_TOKEN comes before the file");
    }

    @Test
    void offlineModeAndBadValuesAreRecognised() {
        assertTrue(HubSettings.resolve(null, null, Map.of("HF_HUB_OFFLINE", "1", "HOME", temp.toString())).offline());
        assertTrue(HubSettings.resolve(null, null, Map.of("HF_HUB_OFFLINE", "True", "HOME", temp.toString())).offline());
        assertFalse(HubSettings.resolve(null, null, Map.of("HF_HUB_OFFLINE", "0", "HOME", temp.toString())).offline());

        for (String bad : new String[] {"ftp://huggingface.co", "huggingface.co", "https://host/?q=1", "https://user@host", "http://"}) {
            HubException e = assertThrows(HubException.class, () -> HubSettings.resolve(bad, null, Map.of()), bad);
            assertTrue(e.getMessage().contains("invalid hub endpoint"), e.getMessage());
        }
        HubException spaced = assertThrows(HubException.class, () -> HubSettings.resolve(null, "hf_a b", Map.of()));
        assertFalse(spaced.getMessage().contains("hf_a b"), "the token never appears in messages");
    }

    @Test
    void theTokenIsNeverPrinted() {
        HubSettings settings = HubSettings.resolve(null, "hf_secretValue", Map.of());
        assertFalse(settings.toString().contains("hf_secretValue"), settings.toString());
        assertTrue(settings.toString().contains("from --token"), settings.toString());
    }

    @Test
    void retryDelaysDoubleUpToTheCap() {
        RetryPolicy policy = new RetryPolicy(6, Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertEquals(Duration.ofSeconds(1), policy.delayBefore(2));
        assertEquals(Duration.ofSeconds(2), policy.delayBefore(3));
        assertEquals(Duration.ofSeconds(4), policy.delayBefore(4));
        assertEquals(Duration.ofSeconds(5), policy.delayBefore(5));
        assertEquals(Duration.ofSeconds(5), policy.delayBefore(6));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO));
    }
}
