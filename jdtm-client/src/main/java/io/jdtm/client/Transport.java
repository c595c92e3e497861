package io.jdtm.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransRequest;
import java.util.List;
import java.util.Map;

/**
 * How the SDK talks to the TM: one method per DTM server operation the SDK uses. Two implementations are built in
 * and chosen in {@link DtmClient.Builder}: HTTP ({@code /api/dtmsvr/*}, spec §3; the default) and gRPC
 * ({@code dtmgimp.Dtm}, spec §8; {@link DtmClient.Builder#grpcTarget(String)}). Another one plugs in through
 * {@link DtmClient.Builder#transport(Transport)}.
 *
 * <p>Payloads travel as DTM's Go client carries them: a request's {@code payloads} hold the steps' payloads as text
 * (what the REST API sends), {@code binPayloads} the same payloads as bytes (what {@code DtmRequest.BinPayloads}
 * sends). When a payload is not text — a protobuf message for a gRPC branch — {@code payloads} is {@code null} and
 * only a transport whose {@link #protocol()} is {@code grpc} can send the request.
 *
 * <p>Contract for implementations: thread-safe; every method either returns normally (the TM answered SUCCESS) or
 * throws a {@link DtmException} subclass carrying the request's gid — {@link DtmFailureException} for FAILURE,
 * {@link DtmOngoingException} for ONGOING, {@link DtmUnknownException} for anything else (transport errors
 * included). Operations that a transport cannot offer (gRPC has no {@code query}) throw
 * {@link UnsupportedOperationException}.
 */
public interface Transport extends AutoCloseable {

    /**
     * The address RMs are told to use for this TM (the {@code dtm} query parameter of TCC/XA calls, the
     * {@code dtm-dtm} metadata of gRPC calls): for HTTP the base URL such as {@code http://localhost:36789/api/dtmsvr},
     * for gRPC the target such as {@code localhost:36790}.
     */
    String serverAddress();

    /**
     * The {@code protocol} of the transactions this transport starts: {@code http} (the TM calls every branch over
     * HTTP) or {@code grpc} (the TM calls {@code host:port/package.Service/Method} branches over gRPC, and
     * {@code http://} URLs over HTTP).
     */
    default String protocol() {
        return Ops.PROTOCOL_HTTP;
    }

    /** {@code newGid}: a fresh global id. */
    String newGid();

    /** {@code prepare}; {@code binPayloads} are the steps' payloads as bytes (see the class comment). */
    void prepare(TransRequest request, List<byte[]> binPayloads);

    /** {@code submit}; {@code binPayloads} are the steps' payloads as bytes (see the class comment). */
    void submit(TransRequest request, List<byte[]> binPayloads);

    /** {@code abort}. */
    void abort(TransRequest request);

    /**
     * {@code registerBranch} (spec §3.7, §8): {@code branch} holds DTM's string fields ({@code gid},
     * {@code trans_type}, {@code branch_id} and {@code confirm}/{@code cancel}, {@code url} or {@code op}/
     * {@code status}); {@code data} is the branch's payload ({@code data} over HTTP, {@code BusiPayload} over gRPC),
     * {@code null} for none.
     */
    void registerBranch(Map<String, String> branch, byte[] data);

    /** {@code prepareWorkflow}: the answer as DTM's REST API gives it, {@code {"transaction":…,"progresses":[…]}}. */
    JsonNode prepareWorkflow(TransRequest request);

    /** {@code query?gid=}: the JSON answer {@code {"transaction":…,"branches":[…]}}. */
    JsonNode query(String gid);

    /** Releases resources the transport owns; the default does nothing. */
    @Override
    default void close() {}
}
