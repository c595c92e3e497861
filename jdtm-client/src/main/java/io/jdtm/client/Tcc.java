package io.jdtm.client;

import com.google.protobuf.MessageLite;
import io.jdtm.client.internal.Checks;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransType;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A TCC global transaction in progress, handed to the body of {@link DtmClient#tcc} or rebuilt inside an RM by
 * {@link DtmClient#tccFromQuery} for nested branches. Each {@link #callBranch} registers a branch (its Confirm and
 * Cancel URLs and its payload) with the TM and then calls its Try. Thread-safe: branches may be called from several
 * threads, each gets its own branch id.
 *
 * <p>Mirrors DTM's {@code TccGlobalTransaction}/{@code CallBranch}/{@code TccFromQuery} (spec §12.5): over HTTP,
 * registerBranch goes to {@code POST /registerBranch} and Try is a {@code POST} with query parameters {@code dtm},
 * {@code gid}, {@code branch_id}, {@code trans_type=tcc}, {@code op=try} and the transaction's branch headers. Over
 * gRPC ({@link DtmClient.Builder#grpcTarget}, DTM's {@code dtmgrpc.TccGlobalTransaction}, spec §12.8) the branch is
 * registered with {@code RegisterBranch} (the encoded message as {@code BusiPayload}) and Try is a gRPC call of
 * {@code host:port/package.Service/Method} with the {@code dtm-*} metadata, {@code dtm-dtm} being the TM's gRPC
 * address:
 *
 * <pre>{@code
 * dtm.tcc(gid, tcc -> {
 *     tcc.callBranch(req, bank + "/busi.Busi/TransOutTry", bank + "/busi.Busi/TransOutConfirm",
 *             bank + "/busi.Busi/TransOutCancel", Empty.getDefaultInstance());
 * });
 * }</pre>
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
     * Registers a branch and calls its Try over HTTP with {@code payload} serialised to JSON.
     *
     * @return the Try's answer when it succeeded
     * @throws DtmFailureException the Try (or the TM, e.g. because the transaction timed out) said FAILURE
     * @throws DtmOngoingException the Try said ONGOING
     * @throws DtmUnknownException the outcome is unknown
     * @throws IllegalArgumentException a URL is empty, the payload cannot be serialised, or it is a protobuf message
     *     (call the gRPC variant with a reply type)
     */
    public BranchResponse callBranch(Object payload, String tryUrl, String confirmUrl, String cancelUrl) {
        if (payload instanceof MessageLite) {
            throw new IllegalArgumentException("a protobuf payload is for gRPC branches: call callBranch(message, "
                    + "tryUrl, confirmUrl, cancelUrl, ReplyType.getDefaultInstance())");
        }
        return callBranchRaw(Checks.payload(client.mapper(), "tcc branch payload", payload), tryUrl, confirmUrl,
                cancelUrl);
    }

    /** {@link #callBranch} with a body sent verbatim (already JSON). */
    public BranchResponse callBranchRaw(String body, String tryUrl, String confirmUrl, String cancelUrl) {
        Checks.notNull("tcc branch body", body);
        String branchId = register(body.getBytes(StandardCharsets.UTF_8), tryUrl, confirmUrl, cancelUrl);
        return Branches.call(client.http(), "POST", tryUrl, transport.serverAddress(), gid, TransType.TCC.wire(),
                branchId, Ops.TRY, Map.of(), options.branchHeaders(), body, Branches.timeout(options));
    }

    /**
     * Registers a branch and calls its Try over gRPC with {@code payload} (spec §12.8). The URLs are gRPC methods,
     * {@code host:port/package.Service/Method}; the TM calls Confirm or Cancel with the same message.
     *
     * @param replyType the Try's reply type, e.g. {@code Empty.getDefaultInstance()}
     * @return the Try's reply when it succeeded
     * @throws DtmFailureException the Try answered ABORTED (or the TM refused the branch)
     * @throws DtmOngoingException the Try answered FAILED_PRECONDITION
     * @throws DtmUnknownException any other status, or a reply that is not a {@code replyType}
     * @throws IllegalStateException the client talks HTTP to the TM (the TM would call Confirm/Cancel over HTTP)
     */
    public <T extends MessageLite> T callBranch(MessageLite payload, String tryUrl, String confirmUrl,
            String cancelUrl, T replyType) {
        Checks.notNull("tcc branch payload", payload);
        Checks.notNull("reply type", replyType);
        byte[] reply = callBranchBinary(payload.toByteArray(), tryUrl, confirmUrl, cancelUrl);
        return Branches.parse(reply, replyType, "try of " + tryUrl, gid);
    }

    /** {@link #callBranch(MessageLite, String, String, String, MessageLite)} with encoded bytes in and out. */
    public byte[] callBranchBinary(byte[] payload, String tryUrl, String confirmUrl, String cancelUrl) {
        Checks.notNull("tcc branch payload", payload);
        Branches.requireGrpc(transport.protocol(), "a TCC branch over gRPC");
        String branchId = register(payload, tryUrl, confirmUrl, cancelUrl);
        return Branches.grpc(client, tryUrl, transport.serverAddress(), gid, TransType.TCC.wire(), branchId, Ops.TRY,
                Map.of(), options.branchHeaders(), payload, Branches.timeout(options));
    }

    /** The next branch id, registered with its Confirm/Cancel URLs and payload. */
    private String register(byte[] payload, String tryUrl, String confirmUrl, String cancelUrl) {
        Checks.url("tcc try URL", tryUrl);
        Checks.url("tcc confirm URL", confirmUrl);
        Checks.url("tcc cancel URL", cancelUrl);
        String branchId = ids.next();
        Map<String, String> reg = new LinkedHashMap<>();
        reg.put("gid", gid);
        reg.put("trans_type", TransType.TCC.wire());
        reg.put("branch_id", branchId);
        reg.put(Ops.CONFIRM, confirmUrl);
        reg.put(Ops.CANCEL, cancelUrl);
        transport.registerBranch(reg, payload);
        return branchId;
    }
}
