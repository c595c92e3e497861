package io.jdtm.server.store;

import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import java.time.Instant;

/**
 * Filters of the {@code all} listing (spec §3.10). Null filters match everything. {@code position} is the opaque
 * cursor returned by the previous page ("" for the first page). Time bounds are inclusive.
 */
public record ScanQuery(String position, int limit, TransStatus status, TransType transType, Instant createFrom,
        Instant createTo) {
    public ScanQuery {
        position = position == null ? "" : position;
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
    }

    public static ScanQuery first(int limit) {
        return new ScanQuery("", limit, null, null, null, null);
    }
}
