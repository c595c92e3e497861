package io.jdtm.server.store;

import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import java.time.Instant;

/**
 * Filters of the {@code all} listing (spec §3.10). Null filters match everything. {@code position} is the opaque
 * cursor returned by the previous page ("" for the first page). Time bounds are inclusive.
 *
 * @param gidPrefix jdtm: only gids starting with this (case-sensitive where the engine compares so); "" for all
 * @param minInterval jdtm's "unfinished/stuck" filter: when 0 or more, only unfinished transactions (prepared,
 *        submitted, aborting) whose {@code next_cron_interval} is at least this many seconds, i.e. retried with
 *        backoff long enough for the interval to grow that far (0: every unfinished one); negative for all
 */
public record ScanQuery(String position, int limit, TransStatus status, TransType transType, Instant createFrom,
        Instant createTo, String gidPrefix, long minInterval) {
    public ScanQuery {
        position = position == null ? "" : position;
        gidPrefix = gidPrefix == null ? "" : gidPrefix;
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
    }

    /** DTM's filters only. */
    public ScanQuery(String position, int limit, TransStatus status, TransType transType, Instant createFrom,
            Instant createTo) {
        this(position, limit, status, transType, createFrom, createTo, "", -1);
    }

    public static ScanQuery first(int limit) {
        return new ScanQuery("", limit, null, null, null, null);
    }

    /** Whether a row passes {@link #gidPrefix} and {@link #minInterval} (for engines that filter in memory). */
    public boolean matchesJdtmFilters(TransGlobal g) {
        if (!gidPrefix.isEmpty() && !g.gid().startsWith(gidPrefix)) {
            return false;
        }
        return minInterval < 0 || (!g.status().isFinal() && g.nextCronInterval() >= minInterval);
    }
}
