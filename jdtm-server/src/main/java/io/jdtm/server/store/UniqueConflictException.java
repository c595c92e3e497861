package io.jdtm.server.store;

/** DTM's {@code UniqueConflict}: the gid, the (gid, branch_id, op) or the (cat, k) exists already. Nothing was written. */
public class UniqueConflictException extends StoreException {
    public UniqueConflictException(String message) {
        super(message);
    }
}
