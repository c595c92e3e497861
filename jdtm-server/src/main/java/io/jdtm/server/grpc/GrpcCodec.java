package io.jdtm.server.grpc;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.google.protobuf.ByteString;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgress;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgressesReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransaction;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.trans.DtmException;
import io.jdtm.server.trans.TransService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DTM's gRPC messages to and from the service layer's values (spec §4.3, §8). Decoding only: every rule about what
 * a transaction may contain stays in {@link TransService}, so gRPC and HTTP accept and refuse the same requests.
 * Bytes stay bytes: {@code BinPayloads} and {@code BusiPayload} are never turned into text.
 */
final class GrpcCodec {
    /** Go's {@code json.Unmarshal} refuses anything after the value; so does this reader. */
    private static final ObjectReader STRICT_JSON =
            DtmJson.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private GrpcCodec() {}

    /**
     * A {@code DtmRequest} as the request the HTTP API would have decoded from JSON, with the protocol forced to
     * {@code grpc} (as DTM's {@code TransFromDtmRequest}). The payloads travel apart: {@link #binPayloads}.
     */
    static TransRequest trans(DtmRequest r) {
        DtmTransOptions o = r.getTransOptions(); // the default instance (all zero) when absent
        return new TransRequest(
                r.getGid(),
                r.getTransType(),
                steps(r.getSteps()),
                null,
                r.getQueryPrepared(),
                Ops.PROTOCOL_GRPC,
                r.getCustomedData(),
                o.getWaitResult(),
                o.getTimeoutToFail(),
                o.getRequestTimeout(),
                o.getRetryInterval(),
                o.getBranchHeadersMap(),
                null, // DtmTransOptions has no concurrent: a msg over gRPC runs its steps in order
                o.getRetryLimit(),
                null,
                r.getRollbackReason(),
                r.getReqExtraMap());
    }

    /** {@code BinPayloads}, one per step, exactly as sent. */
    static List<byte[]> binPayloads(DtmRequest r) {
        List<byte[]> out = new ArrayList<>(r.getBinPayloadsCount());
        for (ByteString b : r.getBinPayloadsList()) {
            out.add(b.toByteArray());
        }
        return out;
    }

    /**
     * {@code Steps}: the JSON text of the steps array, {@code [{"action":"…","compensate":"…"},…]}. Empty text and
     * {@code null} (what the Go client sends when there are none) are no steps.
     *
     * @throws DtmException a bad request naming {@code Steps} when the text is not such an array
     */
    static List<Map<String, String>> steps(String text) {
        if (text.isBlank()) {
            return List.of();
        }
        JsonNode n;
        try {
            n = STRICT_JSON.readTree(text);
        } catch (JacksonException e) {
            throw DtmException.badRequest("Steps is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || n.isNull() || n.isMissingNode()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw DtmException.badRequest("Steps must be a JSON array of steps like [{\"action\":\"...\","
                    + "\"compensate\":\"...\"}], got " + kind(n));
        }
        List<Map<String, String>> steps = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode s = n.get(i);
            Map<String, String> step = new LinkedHashMap<>();
            if (!s.isNull() && !s.isObject()) {
                throw DtmException.badRequest("Steps[" + i + "] must be a JSON object of strings, got " + kind(s));
            }
            for (var it = s.properties().iterator(); it.hasNext(); ) {
                var f = it.next();
                JsonNode v = f.getValue();
                if (!v.isTextual() && !v.isNull()) {
                    throw DtmException.badRequest("Steps[" + i + "]." + f.getKey() + " must be a string, got "
                            + kind(v));
                }
                step.put(f.getKey(), v.isNull() ? "" : v.asText()); // Go decodes null to ""
            }
            steps.add(step);
        }
        return steps;
    }

    private static String kind(JsonNode n) {
        return "a JSON " + n.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    /**
     * A {@code DtmBranchRequest} as the flat map of the HTTP {@code registerBranch}: {@code Data}'s entries
     * ({@code confirm}/{@code cancel} for tcc, {@code url} for xa, {@code op}/{@code status}/{@code sync} for
     * workflow) plus {@code gid}, {@code trans_type} and {@code branch_id} from the message's own fields, which win
     * over same-named {@code Data} keys. The message's {@code Op} is ignored, as DTM does; {@code BusiPayload} travels
     * apart as the branch's bytes.
     */
    static Map<String, String> branch(DtmBranchRequest r) {
        Map<String, String> m = new LinkedHashMap<>(r.getDataMap());
        m.put("gid", r.getGid());
        m.put("trans_type", r.getTransType());
        m.put("branch_id", r.getBranchID());
        return m;
    }

    /**
     * {@code PrepareWorkflow}'s reply: the transaction's gid, status and rollback reason, and every progress row.
     * {@code Transaction.Result} stays empty, as DTM leaves it (spec §7.2: a finished workflow resumed over gRPC
     * returns an empty result).
     */
    static DtmProgressesReply progresses(TransService.WorkflowState s) {
        DtmProgressesReply.Builder reply = DtmProgressesReply.newBuilder()
                .setTransaction(DtmTransaction.newBuilder()
                        .setGid(s.transaction().gid())
                        .setStatus(s.transaction().status().wire())
                        .setRollbackReason(s.transaction().rollbackReason()));
        for (TransBranch b : s.progresses()) {
            reply.addProgresses(DtmProgress.newBuilder()
                    .setStatus(b.status().wire())
                    .setBinData(ByteString.copyFrom(b.binData()))
                    .setBranchID(b.branchId())
                    .setOp(b.op()));
        }
        return reply.build();
    }
}
