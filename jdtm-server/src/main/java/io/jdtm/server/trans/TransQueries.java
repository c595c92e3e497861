package io.jdtm.server.trans;

import io.jdtm.protocol.TransStatus;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.ScanQuery;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The read side of the API (spec §3.9, §3.10, §3.16, §3.17): one transaction with its branches, the listing, the
 * KV rows. Front ends (HTTP, JSON-RPC, gRPC, the admin UI) read through here, never from the store directly.
 */
public final class TransQueries {
    private final TransStore store;
    private final long retryInterval;

    /** @param retryInterval the server's {@code RetryInterval}, the base of the "stuck" filter */
    public TransQueries(TransStore store, long retryInterval) {
        this.store = store;
        this.retryInterval = Math.max(1, retryInterval);
    }

    public TransQueries(TransStore store) {
        this(store, 10);
    }

    /**
     * The {@code minInterval} of {@link ScanQuery} for "stuck past {@code retries} retries": the interval
     * {@code RetryInterval} doubles to after that many failed tries (the count the alert webhook uses); 0 (every
     * unfinished transaction) for 0 retries.
     */
    public long stuckInterval(long retries) {
        if (retries < 0 || retries > 40) {
            throw DtmException.badRequest("stuck must be a number of retries from 0 to 40, got " + retries);
        }
        return retries == 0 ? 0 : retryInterval << retries;
    }

    /** {@code GET /attempts}: the attempt history of a transaction, oldest first. */
    public List<Attempt> attempts(String gid) {
        if (gid == null || gid.isEmpty()) {
            throw DtmException.badRequest("no gid specified");
        }
        return store.findAttempts(gid);
    }

    /** {@code GET /counts}: stored transactions per status. */
    public Map<TransStatus, Long> counts() {
        return store.countByStatus();
    }

    /** A stored transaction and its branch rows in insertion order. */
    public record Found(TransGlobal global, List<TransBranch> branches) {}

    /** {@code GET /query}: the transaction with its branches; empty when the gid is unknown. */
    public Optional<Found> query(String gid) {
        if (gid == null || gid.isEmpty()) {
            throw DtmException.badRequest("no gid specified"); // DTM answers 500 here (spec §14); a client mistake is a 400
        }
        return store.findGlobal(gid).map(g -> new Found(g, store.findBranches(gid)));
    }

    /** One transaction for {@code all?gid=}: no branches read. */
    public Optional<TransGlobal> find(String gid) {
        return store.findGlobal(gid);
    }

    /** {@code GET /all}: one page of the listing. */
    public Page<TransGlobal> all(ScanQuery q) {
        if (q.limit() <= 0) {
            throw DtmException.badRequest("limit must be a positive number, got " + q.limit());
        }
        return store.scanGlobals(q);
    }

    /** {@code GET /scanKV}: one page of the KV rows of one category. */
    public Page<KvRow> scanKv(String cat, String position, int limit) {
        if (limit <= 0) {
            throw DtmException.badRequest("limit must be a positive number, got " + limit);
        }
        return store.scanKv(cat, position, limit);
    }

    /** {@code GET /queryKV}: the rows matching the non-empty filters. */
    public List<KvRow> queryKv(String cat, String key) {
        return store.findKv(cat, key);
    }
}
