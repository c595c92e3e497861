package io.jdtm.client.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.jdtm.client.BranchBarrier;
import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.GrpcCalls;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the TM (or an AP) tells a gRPC branch about the transaction, read from the call's metadata (spec §5.2, §8):
 * {@code dtm-gid}, {@code dtm-trans_type}, {@code dtm-branch_id}, {@code dtm-op}, {@code dtm-dtm} (the TM's gRPC
 * address when an AP calls, empty from the TM) and, for XA phase 1, {@code dtm-phase2_url}. The gRPC twin of the HTTP
 * query parameters; absent values are {@code ""}. Immutable.
 *
 * <pre>{@code
 * // server: ServerInterceptors.intercept(new BankService(), new BranchContextInterceptor())
 * public void transOut(BusiReq req, StreamObserver<Empty> out) {
 *     RmStatuses.handle(out, () -> BranchContext.current().barrier()
 *             .callWithDataSource(dataSource, tx -> debit(tx, req.getAmount())));
 * }
 * }</pre>
 *
 * @param gid the global transaction
 * @param transType {@code saga}, {@code msg}, {@code tcc}, {@code xa} or {@code workflow}
 * @param branchId the branch id, e.g. {@code 01}
 * @param op the operation: {@code action}, {@code compensate}, {@code try}, {@code confirm}, …
 * @param dtm the TM address for nested branches, {@code ""} when the TM itself calls
 * @param phase2Url XA phase 1 only: the branch's own URL, to register for phase 2
 */
public record BranchContext(String gid, String transType, String branchId, String op, String dtm,
        String phase2Url) {

    static final Context.Key<BranchContext> KEY = Context.key("jdtm-branch-context");

    public BranchContext {
        Checks.notNull("gid", gid);
        Checks.notNull("transType", transType);
        Checks.notNull("branchId", branchId);
        Checks.notNull("op", op);
        Checks.notNull("dtm", dtm);
        Checks.notNull("phase2Url", phase2Url);
    }

    /** The context in a call's metadata; missing keys become {@code ""}. */
    public static BranchContext from(Metadata headers) {
        Checks.notNull("headers", headers);
        return new BranchContext(dtm(headers, "gid"), dtm(headers, "trans_type"), dtm(headers, "branch_id"),
                dtm(headers, "op"), dtm(headers, "dtm"), dtm(headers, "phase2_url"));
    }

    private static String dtm(Metadata headers, String key) {
        return GrpcCalls.get(headers, GrpcCalls.PREFIX + key);
    }

    /**
     * The context of the gRPC call the current thread is handling, as {@link BranchContextInterceptor} stored it.
     *
     * @throws IllegalStateException outside such a call (the service was not wrapped with the interceptor)
     */
    public static BranchContext current() {
        BranchContext c = KEY.get();
        if (c == null) {
            throw new IllegalStateException("no DTM branch context: wrap the service with BranchContextInterceptor "
                    + "(ServerInterceptors.intercept(service, new BranchContextInterceptor())) and call current() on "
                    + "the thread handling the call");
        }
        return c;
    }

    /**
     * The branch barrier of this call (spec §9.2), as {@link BranchBarrier#fromQuery} builds it from HTTP parameters.
     *
     * @throws IllegalArgumentException naming the first of gid, trans_type, branch_id, op that is missing
     */
    public BranchBarrier barrier() {
        return BranchBarrier.of(transType, gid, branchId, op);
    }

    /**
     * The context as the HTTP query parameters carrying the same values ({@code gid}, {@code trans_type},
     * {@code branch_id}, {@code op}, {@code dtm}, {@code phase2_url}; empty ones left out), for the SDK's helpers
     * that take them: {@code DtmClient.tccFromQuery} (nested TCC) and {@code XaLocal.handle} (XA branches).
     */
    public Map<String, String> toQuery() {
        Map<String, String> q = new LinkedHashMap<>();
        put(q, "gid", gid);
        put(q, "trans_type", transType);
        put(q, "branch_id", branchId);
        put(q, "op", op);
        put(q, "dtm", dtm);
        put(q, "phase2_url", phase2Url);
        return q;
    }

    private static void put(Map<String, String> q, String k, String v) {
        if (!v.isEmpty()) {
            q.put(k, v);
        }
    }
}
