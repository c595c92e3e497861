package io.jdtm.client;

import com.google.protobuf.MessageLite;
import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.GrpcCalls;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransType;
import java.util.Map;

/**
 * An XA global transaction in progress (AP side), handed to the body of {@link DtmClient#xa}. Each
 * {@link #callBranch} calls an RM URL that runs its local XA transaction (phase 1) and registers itself with the TM;
 * the TM later calls the same URL with {@code op=commit} or {@code op=rollback}. Thread-safe.
 *
 * <p>Mirrors DTM's {@code XaGlobalTransaction}/{@code CallBranch} (spec §12.6): a {@code POST} with query parameters
 * {@code dtm}, {@code gid}, {@code branch_id}, {@code trans_type=xa}, {@code op=action}, {@code phase2_url}. Over gRPC
 * (spec §12.8) a call of {@code host:port/package.Service/Method} with the {@code dtm-*} metadata and
 * {@code dtm-phase2_url}; the RM serves it with {@link XaLocal#handle} given {@code BranchContext.toQuery()}.
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
     * Calls one XA branch over HTTP with {@code payload} serialised to JSON.
     *
     * @throws DtmFailureException the branch said FAILURE (the body should let it propagate: the transaction aborts)
     * @throws DtmOngoingException the branch said ONGOING
     * @throws DtmUnknownException the outcome is unknown
     * @throws IllegalArgumentException the URL is empty or the payload cannot be serialised
     */
    public BranchResponse callBranch(Object payload, String url) {
        if (payload instanceof MessageLite) {
            throw new IllegalArgumentException("a protobuf payload is for gRPC branches: call callBranch(message, url, "
                    + "ReplyType.getDefaultInstance())");
        }
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

    /**
     * Calls one XA branch over gRPC (spec §12.8): {@code url} is a gRPC method that runs phase 1 and, called again by
     * the TM with {@code dtm-op} {@code commit} or {@code rollback}, phase 2.
     *
     * @param replyType the reply type, e.g. {@code Empty.getDefaultInstance()}
     * @throws DtmFailureException the branch answered ABORTED (the body should let it propagate)
     * @throws DtmOngoingException the branch answered FAILED_PRECONDITION
     * @throws DtmUnknownException any other status, or a reply that is not a {@code replyType}
     * @throws IllegalStateException the client talks HTTP to the TM
     */
    public <T extends MessageLite> T callBranch(MessageLite payload, String url, T replyType) {
        Checks.notNull("xa branch payload", payload);
        Checks.notNull("reply type", replyType);
        return Branches.parse(callBranchBinary(payload.toByteArray(), url), replyType, "xa branch " + url, gid);
    }

    /** {@link #callBranch(MessageLite, String, MessageLite)} with encoded bytes in and out. */
    public byte[] callBranchBinary(byte[] payload, String url) {
        Checks.notNull("xa branch payload", payload);
        Checks.url("xa branch URL", url);
        Branches.requireGrpc(client, "an XA branch over gRPC");
        String branchId = ids.next();
        return Branches.grpc(client, url, client.serverUrl(), gid, TransType.XA.wire(), branchId, Ops.ACTION,
                Map.of(GrpcCalls.PREFIX + "phase2_url", url), options.branchHeaders(), payload,
                Branches.timeout(options));
    }
}
