package io.jdtm.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.trans.DtmException;
import org.junit.jupiter.api.Test;

/** Every failure kind's gRPC status (spec §2.3), with a message fit for the caller. */
class GrpcStatusesTest {

    @Test
    void failureIsAbortedWithTheMessageEndingInFailure() {
        Status s = GrpcStatuses.of(DtmException.failure("current status 'failed', cannot prepare."));
        assertThat(s.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(s.getDescription()).isEqualTo("current status 'failed', cannot prepare. FAILURE");
    }

    @Test
    void eachKindHasItsCode() {
        assertThat(GrpcStatuses.of(DtmException.ongoing("later")).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(GrpcStatuses.of(DtmException.badRequest("gid is required")).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcStatuses.of(DtmException.notFound("no transaction")).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(GrpcStatuses.of(DtmException.tooLarge("big")).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(GrpcStatuses.of(new StoreUnavailableException("down", null)).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
        // DTM's plain errors surface as Unknown
        assertThat(GrpcStatuses.of(DtmException.error("this url exists")).getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(GrpcStatuses.of(new StoreException("disk full", null)).getCode()).isEqualTo(Status.Code.UNKNOWN);
    }

    @Test
    void bugsShowNoJavaDetails() {
        Status s = GrpcStatuses.of(new NullPointerException("Cannot invoke \"String.length()\" because x is null"));
        assertThat(s.getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(s.getDescription()).isEqualTo("internal error");
        assertThat(s.getCause()).isNull();
    }
}
