package io.jdtm.server.branch;

/**
 * One way of reaching a business service (spec §5): HTTP, JSON-RPC or gRPC. {@link BranchCaller} picks the
 * transport per call. Implementations are thread-safe, block the calling (virtual) thread for at most the call's
 * timeout, and never throw: trouble on the way is an {@link io.jdtm.protocol.Outcome#ERROR} result whose detail
 * says what went wrong.
 */
public interface BranchTransport extends AutoCloseable {

    BranchResult call(BranchCall c);

    /** Releases connections and threads; calls after this may fail with an ERROR result. */
    @Override
    void close();
}
