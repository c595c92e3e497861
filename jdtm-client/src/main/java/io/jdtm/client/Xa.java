package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransType;
import java.util.Map;

/**
 * An XA global transaction in progress (AP side), handed to the body of {@link DtmClient#xa}. Each
 * {@link #callBranch} calls an RM URL that runs its local XA transaction (phase 1) and registers itself with the TM;
 * the TM later calls the same URL with {@code op=commit} or {@code op=rollback}. Thread-safe.
 *
 * <p>Mirrors DTM's {@code XaGlobalTransaction}/{@code CallBranch} (spec §12.6): a {@code POST} with query parameters
 * {@code dtm}, {@code gid}, {@code branch_id}, {@code trans_type=xa}, {@code op=action}, {@code phase2_url}.
 */
public final class Xa {

    /** The business part of an XA transaction: call branches; throw to roll back. */
    @FunctionalInterface
    public interface Body {
        void run(Xa xa) throws Exception;
    }

    private final DtmClient client;
    private final String gid;
    private final TransactionOptions options;
    private final BranchIdGenerator ids;

    Xa(DtmClient client, String gid, TransactionOptions options, BranchIdGenerator ids) {
        this.client = client;
        this.gid = gid;
        this.options = options;
        this.ids = ids;
    }

    public String gid() {
        return gid;
    }

    /**
     * Calls one XA branch with {@code payload} serialised to JSON.
     *
     * @throws DtmFailureException the branch said FAILURE (the body should let it propagate: the transaction aborts)
     * @throws DtmOngoingException the branch said ONGOING
     * @throws DtmUnknownException the outcome is unknown
     * @throws IllegalArgumentException the URL is empty or the payload cannot be serialised
     */
    public BranchResponse callBranch(Object payload, String url) {
        return callBranchRaw(Checks.payload(client.mapper(), "xa branch payload", payload), url);
    }

    /** {@link #callBranch} with a body sent verbatim. */
    public BranchResponse callBranchRaw(String body, String url) {
        Checks.notNull("xa branch body", body);
        Checks.url("xa branch URL", url);
        String branchId = ids.next();
        return Branches.call(client.http(), "POST", url, client.serverUrl(), gid, TransType.XA.wire(), branchId,
                Ops.ACTION, Map.of("phase2_url", url), options.branchHeaders(), body, Branches.timeout(options));
    }
}
