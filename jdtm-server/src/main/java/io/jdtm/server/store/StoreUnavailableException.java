package io.jdtm.server.store;

/**
 * The store cannot be reached right now: the server is down or restarting, the connection broke, no pooled
 * connection became available in time, or a command timed out. Nothing about the request was wrong and nothing
 * was acknowledged; the same call may succeed once the store is back (the API answers 503). Whether a write that
 * failed this way took effect is unknown.
 */
public class StoreUnavailableException extends StoreException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
