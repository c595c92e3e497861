package io.jdtm.client;

/**
 * What an RM handler should answer the TM: an HTTP status and a JSON body, produced by {@link RmResponses}.
 * Immutable.
 *
 * @param status 200, 409 (FAILURE), 425 (ONGOING) or 500 (unknown; the TM retries)
 * @param body JSON text
 */
public record RmResponse(int status, String body) {

    /** The {@code Content-Type} to send with {@link #body()}. */
    public static final String CONTENT_TYPE = "application/json";
}
