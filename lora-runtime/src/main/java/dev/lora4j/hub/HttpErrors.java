package dev.lora4j.hub;

import java.net.URI;
import java.net.http.HttpHeaders;

/**
 * Turns a final HTTP error into a message that says what went wrong and what to do. The hub answers 401 both
 * for a repository that does not exist and for a private one when no valid token was sent, 403 for a gated
 * repository whose conditions were not accepted, and 404 with X-Error-Code RepoNotFound, RevisionNotFound or
 * EntryNotFound.
 */
final class HttpErrors {
    private HttpErrors() {}

    static HubHttpException forStatus(int status, URI uri, HttpHeaders headers, String serverMessage, String what,
                                      HubSettings settings) {
        String code = headers.firstValue("X-Error-Code").orElse("");
        String server = HubClient.serverMessageSuffix(serverMessage);
        String message = switch (status) {
            case 401 -> settings.token() == null
                    ? what + ": 401 Unauthorized: the repository does not exist, or it is private or gated and needs a token:"
                            + " pass --token or set HF_TOKEN" + server
                    : what + ": 401 Unauthorized: the token (from " + settings.tokenSource() + ") was refused: it may be invalid or"
                            + " expired, or the repository does not exist or is private to another account" + server;
            case 403 -> code.equals("GatedRepo") || settings.token() == null
                    ? what + ": 403 Forbidden: the repository is gated: accept its conditions on its page at "
                            + settings.endpoint() + " and pass a token of that account with --token or HF_TOKEN" + server
                    : what + ": 403 Forbidden: the token (from " + settings.tokenSource() + ") has no read access to it"
                            + " (a gated repository whose conditions were not accepted, or a fine-grained token without this repository)"
                            + server;
            case 404 -> switch (code) {
                case "RevisionNotFound" -> what + ": 404: revision not found (check --revision: a branch, tag or commit id)" + server;
                case "EntryNotFound" -> what + ": 404: file not found at this revision" + server;
                case "RepoNotFound" -> what + ": 404: repository not found (check the id, e.g. google/flan-t5-small)" + server;
                default -> what + ": 404 Not Found: the repository, revision or file does not exist" + server;
            };
            default -> what + ": HTTP " + status + server;
        };
        return new HubHttpException(status, uri, message + " [" + uri + "]");
    }
}
