package io.jdtm.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.jdtm.client.DtmUnknownException;
import io.jdtm.client.Transport;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgress;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgressesReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@link Transport} over DTM's gRPC API ({@code dtmgimp.Dtm} on the TM's GrpcPort, spec §8), mapping each operation
 * to its RPC as DTM's Go client does (spec §4.3): {@code Steps} as the JSON text of the steps array ({@code "null"}
 * when there are none), {@code BinPayloads} as each step's bytes, the options in {@code TransOptions} (always sent;
 * it has no {@code concurrent}), {@code custom_data} as {@code CustomedData}. The TM forces the protocol to
 * {@code grpc}, so {@code host:port/package.Service/Method} branch URLs are called over gRPC.
 *
 * <p>Every call has a deadline: the transaction's {@code request_timeout}, else the client's request timeout. Errors
 * follow spec §2.3 ({@link GrpcCalls#error}). {@link #query} is not part of DTM's gRPC API and throws
 * {@link UnsupportedOperationException}; {@link #prepareWorkflow} answers in the REST API's JSON shape, with
 * {@code transaction.result} always empty as DTM's gRPC reply leaves it. Thread-safe; the channel belongs to the
 * {@link GrpcChannels} it was made with.
 */
public final class GrpcTransport implements Transport {

    /** Fields of {@code registerBranch} that have their own {@code DtmBranchRequest} fields. */
    private static final Set<String> OWN_FIELDS = Set.of("gid", "trans_type", "branch_id", "data");

    private final String target;
    private final GrpcChannels channels;
    private final Duration defaultTimeout;
    private final Metadata metadata;

    /**
     * @param target the TM's gRPC address, {@code host:port} (DTM's default {@code localhost:36790})
     * @param defaultTimeout the deadline of calls whose transaction sets no {@code request_timeout}
     */
    public GrpcTransport(String target, GrpcChannels channels, Duration defaultTimeout) {
        this(target, channels, defaultTimeout, Map.of());
    }

    /** @param headers metadata sent with every call to the TM (keys lower-cased), e.g. {@code authorization} */
    public GrpcTransport(String target, GrpcChannels channels, Duration defaultTimeout, Map<String, String> headers) {
        this.target = target;
        this.channels = channels;
        this.defaultTimeout = defaultTimeout;
        if (headers.isEmpty()) {
            this.metadata = null;
        } else {
            this.metadata = new Metadata();
            headers.forEach((k, v) -> metadata.put(
                    Metadata.Key.of(k.toLowerCase(java.util.Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER), v));
        }
    }

    @Override
    public String serverAddress() {
        return target;
    }

    @Override
    public String protocol() {
        return Ops.PROTOCOL_GRPC;
    }

    @Override
    public String newGid() {
        String gid = call("NewGid", "", defaultTimeout, s -> s.newGid(Empty.getDefaultInstance())).getGid();
        if (gid.isEmpty()) {
            throw new DtmUnknownException("NewGid answered without a gid", "", null);
        }
        return gid;
    }

    @Override
    public void prepare(TransRequest r, List<byte[]> binPayloads) {
        call("Prepare", r.gid(), timeout(r), s -> s.prepare(request(r, binPayloads)));
    }

    @Override
    public void submit(TransRequest r, List<byte[]> binPayloads) {
        call("Submit", r.gid(), timeout(r), s -> s.submit(request(r, binPayloads)));
    }

    @Override
    public void abort(TransRequest r) {
        call("Abort", r.gid(), timeout(r), s -> s.abort(request(r, List.of())));
    }

    @Override
    public void registerBranch(Map<String, String> branch, byte[] data) {
        DtmBranchRequest.Builder b = DtmBranchRequest.newBuilder()
                .setGid(branch.getOrDefault("gid", ""))
                .setTransType(branch.getOrDefault("trans_type", ""))
                .setBranchID(branch.getOrDefault("branch_id", ""));
        branch.forEach((k, v) -> {
            if (!OWN_FIELDS.contains(k)) {
                b.putData(k, v);
            }
        });
        if (data != null) {
            b.setBusiPayload(ByteString.copyFrom(data));
        }
        call("RegisterBranch", b.getGid(), defaultTimeout, s -> s.registerBranch(b.build()));
    }

    @Override
    public JsonNode prepareWorkflow(TransRequest r) {
        DtmProgressesReply reply = call("PrepareWorkflow", r.gid(), timeout(r),
                s -> s.prepareWorkflow(request(r, List.of())));
        ObjectNode out = DtmJson.mapper().createObjectNode();
        ObjectNode t = out.putObject("transaction");
        t.put("gid", reply.getTransaction().getGid());
        t.put("status", reply.getTransaction().getStatus());
        t.put("rollback_reason", reply.getTransaction().getRollbackReason());
        t.put("result", reply.getTransaction().getResult());
        ArrayNode ps = out.putArray("progresses");
        for (DtmProgress p : reply.getProgressesList()) {
            ps.addObject()
                    .put("status", p.getStatus())
                    .put("bin_data", Base64.getEncoder().encodeToString(p.getBinData().toByteArray()))
                    .put("branch_id", p.getBranchID())
                    .put("op", p.getOp());
        }
        return out;
    }

    /** Always: DTM's gRPC API has no query (spec §8). */
    @Override
    public JsonNode query(String gid) {
        throw new UnsupportedOperationException("DTM's gRPC API has no query; give the DtmClient the TM's HTTP address "
                + "as well (DtmClient.builder().grpcTarget(...).serverUrl(\"http://…/api/dtmsvr\")) to query over HTTP");
    }

    /** The {@code DtmRequest} DTM's Go client sends for {@code r} ({@code GetDtmRequest}, spec §4.3). */
    static DtmRequest request(TransRequest r, List<byte[]> binPayloads) {
        DtmTransOptions.Builder o = DtmTransOptions.newBuilder()
                .setWaitResult(r.waitResult() != null && r.waitResult())
                .setTimeoutToFail(nz(r.timeoutToFail()))
                .setRetryInterval(nz(r.retryInterval()))
                .setRequestTimeout(nz(r.requestTimeout()))
                .setRetryLimit(nz(r.retryLimit()));
        if (r.branchHeaders() != null) {
            o.putAllBranchHeaders(r.branchHeaders());
        }
        DtmRequest.Builder b = DtmRequest.newBuilder()
                .setGid(r.gid())
                .setTransType(r.transType())
                .setTransOptions(o)
                .setCustomedData(nz(r.customData()))
                .setQueryPrepared(nz(r.queryPrepared()))
                .setSteps(r.steps() == null ? "null" : DtmJson.write(r.steps()))
                .setRollbackReason(nz(r.rollbackReason()));
        if (!binPayloads.isEmpty()) {
            binPayloads.forEach(p -> b.addBinPayloads(ByteString.copyFrom(p)));
        } else if (r.payloads() != null) {
            r.payloads().forEach(p -> b.addBinPayloads(ByteString.copyFrom(p, StandardCharsets.UTF_8)));
        }
        if (r.reqExtra() != null) {
            b.putAllReqExtra(r.reqExtra());
        }
        return b.build();
    }

    private Duration timeout(TransRequest r) {
        return r.requestTimeout() == null || r.requestTimeout() <= 0 ? defaultTimeout
                : Duration.ofSeconds(r.requestTimeout());
    }

    private <T> T call(String rpc, String gid, Duration timeout, Function<DtmGrpc.DtmBlockingStub, T> body) {
        DtmGrpc.DtmBlockingStub stub = DtmGrpc.newBlockingStub(channels.channel(target))
                .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (metadata != null) {
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
        }
        try {
            return body.apply(stub);
        } catch (StatusRuntimeException e) {
            throw GrpcCalls.error(rpc + " to the TM at " + target + " answered ", gid, e);
        }
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
