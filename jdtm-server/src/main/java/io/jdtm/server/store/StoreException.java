package io.jdtm.server.store;

/** A storage failure that is not one of the expected conditions below: the API answers 5xx. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
