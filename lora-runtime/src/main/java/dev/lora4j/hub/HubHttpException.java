package dev.lora4j.hub;

import java.net.URI;

/** The hub (or its CDN) answered with an HTTP status we cannot continue from, after any retries. */
public final class HubHttpException extends HubException {
    /** The HTTP status code of the answer. */
    private final int status;
    /** The address that answered. */
    private final URI uri;

    HubHttpException(int status, URI uri, String message) {
        super(message);
        this.status = status;
        this.uri = uri;
    }

    /**
     * The HTTP status code, e.g. 401, 404 or 503.
     *
     * @return the status code
     */
    public int status() {
        return status;
    }

    /**
     * The address that answered (never carries the token: tokens travel only in a header).
     *
     * @return the answering URI
     */
    public URI uri() {
        return uri;
    }
}
