package io.jdtm.spring;

import io.jdtm.client.BranchBarrier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the TM tells a branch handler about the global transaction — DTM's query parameters {@code gid},
 * {@code trans_type}, {@code branch_id}, {@code op} (and {@code dtm}, {@code phase2_url} when present) — together
 * with the one {@link BranchBarrier} of this request. A Spring MVC handler declares it as a parameter and gets it
 * filled from the request; {@link SpringBarrier} and {@link DtmBarrier} run business code behind its barrier.
 *
 * <pre>{@code
 * @PostMapping("/TransOut")
 * public void transOut(BranchContext branch, @RequestBody Transfer t) {
 *     barrier.run(branch, () -> accounts.debit(t.from(), t.amount()));
 * }
 * }</pre>
 *
 * <p>One per request, never shared between requests: the barrier numbers its calls ({@code barrier_id} 01, 02, …), so
 * a handler may protect several steps and a retried request reuses the same numbers. Safe to use from the request's
 * threads.
 */
public final class BranchContext {

    /** The DTM query parameters a context is read from, the four required ones first. */
    public static final List<String> PARAMETERS = List.of("gid", "trans_type", "branch_id", "op", "dtm", "phase2_url");

    private final Map<String, String> query;
    private final BranchBarrier barrier;

    private BranchContext(Map<String, String> query, BranchBarrier barrier) {
        this.query = query;
        this.barrier = barrier;
    }

    /**
     * The context of a branch request from its query parameters, with the barrier over {@code barrierTable}
     * ({@code schema.table}).
     *
     * @throws IllegalArgumentException naming the first of {@code trans_type}, {@code gid}, {@code branch_id},
     *     {@code op} that is missing, or a malformed table name
     */
    public static BranchContext fromQuery(Map<String, String> query, String barrierTable) {
        if (query == null) {
            throw new IllegalArgumentException("query must not be null");
        }
        Map<String, String> q = new LinkedHashMap<>();
        for (String k : PARAMETERS) {
            String v = query.get(k);
            if (v != null && !v.isEmpty()) {
                q.put(k, v);
            }
        }
        return new BranchContext(Map.copyOf(q), BranchBarrier.fromQuery(q).withTable(barrierTable));
    }

    /** {@link #fromQuery(Map, String)} with DTM's default table {@value BranchBarrier#DEFAULT_TABLE}. */
    public static BranchContext fromQuery(Map<String, String> query) {
        return fromQuery(query, BranchBarrier.DEFAULT_TABLE);
    }

    public String gid() {
        return barrier.gid();
    }

    /** {@code saga}, {@code msg}, {@code tcc}, {@code xa} or {@code workflow}. */
    public String transType() {
        return barrier.transType();
    }

    public String branchId() {
        return barrier.branchId();
    }

    /** {@code action}, {@code compensate}, {@code try}, {@code confirm}, {@code cancel}, … */
    public String op() {
        return barrier.op();
    }

    /** This request's barrier (the same object on every call). */
    public BranchBarrier barrier() {
        return barrier;
    }

    /**
     * The DTM parameters as a query map, for the SDK's helpers that take one: {@code DtmClient.tccFromQuery} (nested
     * TCC) and {@code XaLocal.handle} (XA branches). Unmodifiable.
     */
    public Map<String, String> toQuery() {
        return query;
    }

    @Override
    public String toString() {
        return "BranchContext{" + transType() + " " + gid() + " " + branchId() + " " + op() + "}";
    }
}
