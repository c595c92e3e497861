package io.jdtm.server.store;

/**
 * DTM's {@code storage: NotFound}: the row is missing, or a compare-and-set found another value than expected
 * (another pass or another TM instance got there first).
 */
public class NotFoundException extends StoreException {
    public NotFoundException(String message) {
        super(message);
    }
}
