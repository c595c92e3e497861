package io.jdtm.client.grpc;

import com.google.protobuf.Empty;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.jdtm.client.DtmException;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.DtmOngoingException;
import io.jdtm.client.DtmUnknownException;
import io.jdtm.client.RmResponses;
import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.GrpcCalls;
import io.jdtm.protocol.Outcome;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * RM-side helpers for gRPC branches (spec §2.3, §12.8, DTM's {@code DtmError2GrpcError}/{@code GrpcError2DtmError}):
 * the gRPC twin of {@link RmResponses}. Stateless and thread-safe.
 *
 * <table>
 *   <caption>Outcome → status</caption>
 *   <tr><th>outcome</th><th>status</th></tr>
 *   <tr><td>success</td><td>OK with the reply</td></tr>
 *   <tr><td>{@link DtmFailureException}</td><td>ABORTED with the message</td></tr>
 *   <tr><td>{@link DtmOngoingException}</td><td>FAILED_PRECONDITION</td></tr>
 *   <tr><td>{@link StatusRuntimeException}</td><td>its own status</td></tr>
 *   <tr><td>{@link IllegalArgumentException} (e.g. missing metadata)</td><td>INVALID_ARGUMENT</td></tr>
 *   <tr><td>anything else</td><td>UNKNOWN (the TM retries with backoff)</td></tr>
 * </table>
 *
 * <pre>{@code
 * public void transIn(BusiReq req, StreamObserver<Empty> out) {
 *     RmStatuses.handle(out, () -> BranchContext.current().barrier().callWithDataSource(ds, tx -> credit(tx, req)));
 * }
 * }</pre>
 */
public final class RmStatuses {
    private RmStatuses() {}

    /** The status for an exception a handler threw (see the table). */
    public static Status statusOf(Throwable e) {
        Checks.notNull("exception", e);
        return GrpcCalls.statusOf(e);
    }

    /** {@link #statusOf} as the exception to pass to {@code StreamObserver.onError} or to throw. */
    public static StatusRuntimeException exceptionOf(Throwable e) {
        return statusOf(e).asRuntimeException();
    }

    /**
     * Runs a handler that produces the reply and completes {@code out} with it, or fails {@code out} with the status
     * of its exception. Never throws (except {@link Error}s).
     */
    public static <T> void reply(StreamObserver<T> out, Callable<T> body) {
        Checks.notNull("observer", out);
        Checks.notNull("handler", body);
        T reply;
        try {
            reply = body.call();
        } catch (Exception e) {
            out.onError(exceptionOf(e));
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }

    /** {@link #reply} for methods returning {@code google.protobuf.Empty}, DTM's usual branch reply. */
    public static void handle(StreamObserver<Empty> out, RmResponses.Handler body) {
        Checks.notNull("handler", body);
        reply(out, () -> {
            body.run();
            return Empty.getDefaultInstance();
        });
    }

    /**
     * How DTM's TM reads a gRPC branch status (spec §2.3), as a typed error; empty for OK. For APs and tests that call
     * branches themselves.
     */
    public static Optional<DtmException> toException(Status status, String gid) {
        Checks.notNull("status", status);
        String text = "branch answered " + status.getCode() + ": " + status.getDescription();
        return switch (Outcome.ofGrpc(status.getCode(), status.getDescription())) {
            case SUCCESS -> Optional.empty();
            case FAILURE -> Optional.of(new DtmFailureException(text, gid));
            case ONGOING -> Optional.of(new DtmOngoingException(text, gid));
            case ERROR -> Optional.of(new DtmUnknownException(text, gid, status.asRuntimeException()));
        };
    }
}
