package io.jdtm.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.TransRequest;
import java.util.Map;

/**
 * How the SDK talks to the TM: one method per DTM server operation the SDK uses. The built-in implementation speaks
 * HTTP ({@code /api/dtmsvr/*}, spec §3); a gRPC implementation plugs in through
 * {@link DtmClient.Builder#transport(Transport)}.
 *
 * <p>Contract for implementations: thread-safe; every method either returns normally (the TM answered SUCCESS) or
 * throws a {@link DtmException} subclass carrying the request's gid — {@link DtmFailureException} for FAILURE,
 * {@link DtmOngoingException} for ONGOING, {@link DtmUnknownException} for anything else (transport errors
 * included). Operations that a transport cannot offer (gRPC has no {@code query}) throw
 * {@link UnsupportedOperationException}.
 */
public interface Transport extends AutoCloseable {

    /**
     * The address RMs are told to use for this TM (the {@code dtm} query parameter of TCC/XA calls), for HTTP the
     * base URL such as {@code http://localhost:36789/api/dtmsvr}.
     */
    String serverAddress();

    /** {@code GET newGid}: a fresh global id. */
    String newGid();

    /** {@code POST prepare}. */
    void prepare(TransRequest request);

    /** {@code POST submit}. */
    void submit(TransRequest request);

    /** {@code POST abort}. */
    void abort(TransRequest request);

    /** {@code POST registerBranch} with DTM's flat string map (spec §3.7). */
    void registerBranch(Map<String, String> branch);

    /** {@code POST prepareWorkflow}: the JSON answer {@code {"transaction":…,"progresses":[…]}}. */
    JsonNode prepareWorkflow(TransRequest request);

    /** {@code GET query?gid=}: the JSON answer {@code {"transaction":…,"branches":[…]}}. */
    JsonNode query(String gid);

    /** Releases resources the transport owns; the default does nothing. */
    @Override
    default void close() {}
}
