package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A TCC global transaction in progress, handed to the body of {@link DtmClient#tcc} or rebuilt inside an RM by
 * {@link DtmClient#tccFromQuery} for nested branches. Each {@link #callBranch} registers a branch (its Confirm and
 * Cancel URLs) with the TM and then calls its Try URL. Thread-safe: branches may be called from several threads, each
 * gets its own branch id.
 *
 * <p>Mirrors DTM's {@code TccGlobalTransaction}/{@code CallBranch}/{@code TccFromQuery} (spec §12.5): registerBranch
 * goes to {@code POST /registerBranch}; Try is a {@code POST} with query parameters {@code dtm}, {@code gid},
 * {@code branch_id}, {@code trans_type=tcc}, {@code op=try} and the transaction's branch headers.
 */
public final class Tcc {

    /** The business part of a TCC transaction: call Try branches; throw to roll back. */
    @FunctionalInterface
    public interface Body {
        void run(Tcc tcc) throws Exception;
    }

    private final DtmClient client;
    private final Transport transport;
    private final String gid;
    private final TransactionOptions options;
    private final BranchIdGenerator ids;

    Tcc(DtmClient client, Transport transport, String gid, TransactionOptions options, BranchIdGenerator ids) {
        this.client = client;
        this.transport = transport;
        this.gid = gid;
        this.options = options;
        this.ids = ids;
    }

    public String gid() {
        return gid;
    }

    /** The parent branch id of branches called here: {@code ""} at top level, the RM's branch id when nested. */
    public String parentBranchId() {
        return ids.parentId();
    }

    /**
     * Registers a branch and calls its Try with {@code payload} serialised to JSON.
     *
     * @return the Try's answer when it succeeded
     * @throws DtmFailureException the Try (or the TM, e.g. because the transaction timed out) said FAILURE
     * @throws DtmOngoingException the Try said ONGOING
     * @throws DtmUnknownException the outcome is unknown
     * @throws IllegalArgumentException a URL is empty or the payload cannot be serialised
     */
    public BranchResponse callBranch(Object payload, String tryUrl, String confirmUrl, String cancelUrl) {
        return callBranchRaw(Checks.payload(client.mapper(), "tcc branch payload", payload), tryUrl, confirmUrl,
                cancelUrl);
    }

    /** {@link #callBranch} with a body sent verbatim (already JSON). */
    public BranchResponse callBranchRaw(String body, String tryUrl, String confirmUrl, String cancelUrl) {
        Checks.notNull("tcc branch body", body);
        Checks.url("tcc try URL", tryUrl);
        Checks.url("tcc confirm URL", confirmUrl);
        Checks.url("tcc cancel URL", cancelUrl);
        String branchId = ids.next();
        Map<String, String> reg = new LinkedHashMap<>();
        reg.put("gid", gid);
        reg.put("trans_type", TransType.TCC.wire());
        reg.put("branch_id", branchId);
        reg.put("data", body);
        reg.put(Ops.CONFIRM, confirmUrl);
        reg.put(Ops.CANCEL, cancelUrl);
        transport.registerBranch(reg);
        return Branches.call(client.http(), "POST", tryUrl, transport.serverAddress(), gid, TransType.TCC.wire(),
                branchId, Ops.TRY, Map.of(), options.branchHeaders(), body, Branches.timeout(options));
    }
}
