package dev.lora4j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;

/**
 * A final (non-redirect) answer whose body is still to be read.
 *
 * @param hubHeaders the headers of the first answer, from the hub itself: when the hub redirects an LFS file to
 *                   its CDN, only that answer carries X-Linked-Etag, X-Linked-Size and X-Repo-Commit
 * @param uri        where the body comes from (after redirects)
 */
record HubResponse(int status, HttpHeaders headers, HttpHeaders hubHeaders, URI uri, InputStream body) implements AutoCloseable {
    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing only releases the connection; nothing was promised to the caller here
        }
    }
}
