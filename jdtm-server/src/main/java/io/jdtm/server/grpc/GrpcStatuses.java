package io.jdtm.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jdtm.server.api.Problem;

/**
 * The one place that turns a failure ({@link Problem}) into a gRPC status (spec §2.3). FAILURE → {@code ABORTED}
 * with the message (it ends with {@code FAILURE}, as DTM's), ONGOING → {@code FAILED_PRECONDITION}, bad input →
 * {@code INVALID_ARGUMENT} naming what was wrong, an unknown gid → {@code NOT_FOUND}, a message over
 * {@code MaxBodyBytes} → {@code RESOURCE_EXHAUSTED}, a store that cannot be reached → {@code UNAVAILABLE}, anything
 * else → {@code UNKNOWN}: the code DTM's Go server answers for its plain errors (a Go error that is not a status
 * surfaces as Unknown), so a client that tells Unknown from Internal sees what it saw with DTM. The description is
 * the caller-facing message of {@link Problem}: never a stack trace or a Java class name.
 */
final class GrpcStatuses {

    private GrpcStatuses() {}

    /** The status a failed call ends with. */
    static Status of(Throwable t) {
        Problem p = Problem.of(t);
        return code(p.kind()).toStatus().withDescription(p.message());
    }

    /** {@link #of} as the exception a {@code StreamObserver} is ended with. */
    static StatusRuntimeException exception(Throwable t) {
        return of(t).asRuntimeException();
    }

    static Status.Code code(Problem.Kind kind) {
        return switch (kind) {
            case FAILURE -> Status.Code.ABORTED;
            case ONGOING -> Status.Code.FAILED_PRECONDITION;
            case BAD_REQUEST -> Status.Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case TOO_LARGE -> Status.Code.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
            case INTERNAL -> Status.Code.UNKNOWN;
        };
    }
}
