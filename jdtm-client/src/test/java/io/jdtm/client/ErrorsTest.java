package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jdtm.client.testing.RecordingServer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TM answers become typed errors that carry the gid and say whether to retry. */
class ErrorsTest {

    private final RecordingServer tm = new RecordingServer();
    private final DtmClient dtm = DtmClient.builder().serverUrl(tm.url() + "/api/dtmsvr").build();
    private final Saga saga = dtm.saga("g9").add("http://svc/a", "http://svc/c", Map.of("amount", 1));

    @AfterEach
    void close() {
        dtm.close();
        tm.close();
    }

    @Test
    void conflictIsAFailureThatMustNotBeRetried() {
        tm.answer("/api/dtmsvr/submit",
                new RmResponse(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"current status 'succeed', cannot sumbmit. FAILURE\"}"));
        DtmFailureException e = catchThrowableOfType(DtmFailureException.class, saga::submit);
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.gid()).contains("g9");
        assertThat(e.getMessage()).contains("cannot sumbmit");
    }

    @Test
    void tooEarlyIsOngoingAndRetryable() {
        tm.answer("/api/dtmsvr/submit", new RmResponse(425, "{\"dtm_result\":\"ONGOING\"}"));
        DtmOngoingException e = catchThrowableOfType(DtmOngoingException.class, saga::submit);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.gid()).contains("g9");
    }

    @Test
    void serverErrorAndUnreachableServerAreUnknownAndRetryable() {
        tm.answer("/api/dtmsvr/submit", new RmResponse(500, "{\"message\":\"storage down\"}"));
        DtmUnknownException e = catchThrowableOfType(DtmUnknownException.class, saga::submit);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.httpStatus()).hasValue(500);
        assertThat(e.getMessage()).contains("storage down");

        try (DtmClient down = DtmClient.builder().serverUrl("http://127.0.0.1:1/api/dtmsvr").build()) {
            DtmUnknownException u = catchThrowableOfType(DtmUnknownException.class,
                    () -> down.saga("g10").add("http://a", "", Map.of()).submit());
            assertThat(u.gid()).contains("g10");
            assertThat(u.httpStatus()).isEmpty();
            assertThat(u.isRetryable()).isTrue();
        }
    }

    @Test
    void aSuccessStatusWhoseBodySaysFailureIsAFailure() {
        tm.answer("/api/dtmsvr/submit", new RmResponse(200, "{\"dtm_result\":\"FAILURE\"}"));
        assertThatThrownBy(saga::submit).isInstanceOf(DtmFailureException.class);
    }

    @Test
    void waitResultConflictOnARunningSagaIsOngoingNotFailure() {
        tm.answer("/api/dtmsvr/submit",
                new RmResponse(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"wait result not return success: FAILURE\"}"));
        tm.answer("/api/dtmsvr/query", new RmResponse(200,
                "{\"transaction\":{\"gid\":\"g9\",\"trans_type\":\"saga\",\"status\":\"submitted\"},\"branches\":[]}"));
        DtmOngoingException e = catchThrowableOfType(DtmOngoingException.class, () -> saga.waitResult(true).submit());
        assertThat(e.gid()).contains("g9");

        tm.answer("/api/dtmsvr/query", new RmResponse(200, "{\"transaction\":{\"gid\":\"g9\",\"trans_type\":\"saga\","
                + "\"status\":\"failed\",\"rollback_reason\":\"Insufficient balance\"},\"branches\":[]}"));
        DtmFailureException f = catchThrowableOfType(DtmFailureException.class, () -> saga.waitResult(true).submit());
        assertThat(f.getMessage()).contains("Insufficient balance");
    }

    @Test
    void branchAnswersAreReadLikeTheTmReadsThem() {
        assertThat(RmResponses.toException(200, "{\"dtm_result\":\"SUCCESS\"}", "g")).isEmpty();
        assertThat(RmResponses.toException(409, "", "g")).get().isInstanceOf(DtmFailureException.class);
        assertThat(RmResponses.toException(200, "{\"dtm_result\":\"ONGOING\"}", "g")).get()
                .isInstanceOf(DtmOngoingException.class);
        assertThat(RmResponses.toException(502, "bad gateway", "g")).get().isInstanceOf(DtmUnknownException.class);
    }

    @Test
    void rmResponsesMapOutcomes() {
        assertThat(RmResponses.success()).isEqualTo(new RmResponse(200, "{\"dtm_result\":\"SUCCESS\"}"));
        assertThat(RmResponses.of(new DtmFailureException("Insufficient balance")))
                .isEqualTo(new RmResponse(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"Insufficient balance\"}"));
        assertThat(RmResponses.of(new DtmOngoingException("later")))
                .isEqualTo(new RmResponse(425, "{\"dtm_result\":\"ONGOING\"}"));
        RmResponse err = RmResponses.of(new IllegalStateException("db down: FAILURE"));
        assertThat(err.status()).isEqualTo(500);
        assertThat(err.body()).isEqualTo("{\"error\":\"db down: failure\"}");
        assertThat(RmResponses.handle(() -> { throw new DtmFailureException("no"); }).status()).isEqualTo(409);
        assertThat(RmResponses.handle(() -> { }).status()).isEqualTo(200);
        assertThatThrownBy(() -> RmResponses.success(Map.of("state", "FAILURE")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RmResponses.parseQuery("gid=a%20b&op=action&x")).containsExactly(
                Map.entry("gid", "a b"), Map.entry("op", "action"), Map.entry("x", ""));
    }
}
