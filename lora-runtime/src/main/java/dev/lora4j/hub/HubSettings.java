package dev.lora4j.hub;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where the hub is and which token to send, resolved the way huggingface_hub resolves them so that a machine
 * set up for Python works unchanged: endpoint from the option, else {@code HF_ENDPOINT}, else
 * https://huggingface.co; token from the option, else {@code HF_TOKEN}, else the token file that
 * {@code huggingface-cli login} writes ({@code HF_TOKEN_PATH}, else {@code $HF_HOME/token}, else
 * {@code $XDG_CACHE_HOME/huggingface/token}, else {@code ~/.cache/huggingface/token}).
 * {@code HF_HUB_OFFLINE=1} forbids network access, as it does for huggingface_hub.
 *
 * @param endpoint    the hub's base URL, http(s) without query, fragment or user info; null for
 *                    {@link #DEFAULT_ENDPOINT}
 * @param token       the bearer token, or null for anonymous access
 * @param tokenSource where the token came from ("--token", "HF_TOKEN", a file path, or "none"), for messages
 * @param offline     whether network access is forbidden ({@code HF_HUB_OFFLINE})
 */
public record HubSettings(URI endpoint, String token, String tokenSource, boolean offline) {
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    /**
     * Validates the endpoint and token, drops trailing slashes from the endpoint and treats a blank token as
     * none.
     *
     * @throws HubException when the endpoint is not a plain http(s) URL or the token is not one printable
     *     word
     */
    public HubSettings {
        endpoint = checkEndpoint(endpoint);
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (token != null && token.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new HubException("the token (from " + tokenSource + ") contains spaces or control characters; "
                    + "a hub token is a single printable word such as hf_...");
        }
        if (token == null) {
            tokenSource = "none";
        }
    }

    /**
     * Anonymous access to an endpoint.
     *
     * @param endpoint the hub's base URL; null for {@link #DEFAULT_ENDPOINT}
     * @return settings with no token, online
     * @throws HubException when the endpoint is not a plain http(s) URL
     */
    public static HubSettings anonymous(URI endpoint) {
        return new HubSettings(endpoint, null, "none", false);
    }

    /**
     * Resolves the settings from options (null when not given) and this process's environment.
     *
     * @param endpointOption the endpoint given by the user, or null to use {@code HF_ENDPOINT} or the default
     * @param tokenOption    the token given by the user, or null to use {@code HF_TOKEN} or the saved token
     *     file
     * @return the resolved settings
     * @throws HubException when the endpoint is invalid, or the token file cannot be read or holds an invalid
     *     token
     */
    public static HubSettings fromEnvironment(String endpointOption, String tokenOption) {
        return resolve(endpointOption, tokenOption, System.getenv());
    }

    /**
     * Resolves the settings from options (null when not given) and the given environment variables.
     *
     * @param endpointOption the endpoint given by the user, or null to use {@code HF_ENDPOINT} or the default
     * @param tokenOption    the token given by the user, or null to use {@code HF_TOKEN} or the saved token
     *     file
     * @param env            the environment variables to consult, by name; not null
     * @return the resolved settings
     * @throws HubException when the endpoint is invalid, or the token file cannot be read or holds an invalid
     *     token
     */
    public static HubSettings resolve(String endpointOption, String tokenOption, Map<String, String> env) {
        String endpointText = firstNonBlank(endpointOption, env.get("HF_ENDPOINT"));
        URI endpoint;
        if (endpointText == null) {
            endpoint = DEFAULT_ENDPOINT;
        } else {
            try {
                endpoint = new URI(endpointText.strip());
            } catch (URISyntaxException e) {
                throw new HubException("invalid hub endpoint '" + endpointText + "': " + e.getMessage(), e);
            }
        }
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE"));
        if (tokenOption != null && !tokenOption.isBlank()) {
            return new HubSettings(endpoint, tokenOption.strip(), "--token", offline);
        }
        String fromEnv = env.get("HF_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new HubSettings(endpoint, fromEnv.strip(), "HF_TOKEN", offline);
        }
        Path file = tokenFile(env);
        if (file != null && Files.isRegularFile(file)) {
            try {
                String saved = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!saved.isEmpty()) {
                    return new HubSettings(endpoint, saved, file.toString(), offline);
                }
            } catch (IOException e) {
                throw new HubException("cannot read the hub token file " + file + ": " + e.getMessage(), e);
            }
        }
        return new HubSettings(endpoint, null, "none", offline);
    }

    private static Path tokenFile(Map<String, String> env) {
        String explicit = env.get("HF_TOKEN_PATH");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String hfHome = env.get("HF_HOME");
        if (hfHome != null && !hfHome.isBlank()) {
            return Path.of(hfHome, "token");
        }
        String xdgCache = env.get("XDG_CACHE_HOME");
        if (xdgCache != null && !xdgCache.isBlank()) {
            return Path.of(xdgCache, "huggingface", "token");
        }
        String home = firstNonBlank(env.get("HOME"), System.getProperty("user.home"));
        return home == null ? null : Path.of(home, ".cache", "huggingface", "token");
    }

    private static URI checkEndpoint(URI endpoint) {
        if (endpoint == null) {
            return DEFAULT_ENDPOINT;
        }
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || endpoint.getHost() == null) {
            throw new HubException("invalid hub endpoint '" + endpoint + "': expected an http(s) URL such as " + DEFAULT_ENDPOINT);
        }
        if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null || endpoint.getRawUserInfo() != null) {
            throw new HubException("invalid hub endpoint '" + endpoint + "': it must not carry a query, fragment or user name");
        }
        String text = endpoint.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    private static boolean isTrue(String value) {
        return value != null && switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }

    /** Never prints the token itself. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", token=" + (token == null ? "none" : "*** from " + tokenSource)
                + ", offline=" + offline + "]";
    }
}
