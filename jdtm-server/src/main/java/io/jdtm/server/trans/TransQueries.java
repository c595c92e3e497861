package io.jdtm.server.trans;

import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.ScanQuery;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import java.util.List;
import java.util.Optional;

/**
 * The read side of the API (spec §3.9, §3.10, §3.16, §3.17): one transaction with its branches, the listing, the
 * KV rows. Front ends (HTTP, JSON-RPC, gRPC, the admin UI) read through here, never from the store directly.
 */
public final class TransQueries {
    private final TransStore store;

    public TransQueries(TransStore store) {
        this.store = store;
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
