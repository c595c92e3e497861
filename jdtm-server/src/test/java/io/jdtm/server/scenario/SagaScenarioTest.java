package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.scenario.FakeRm.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SagaScenarioTest extends ScenarioBase {

    @Test
    void normalSagaSucceedsAndCallsActionsInOrder() {
        String gid = gid();
        DtmHttp.Res r = submit(transferSaga(gid));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"dtm_result\":\"SUCCESS\"}");
        awaitStatus(gid, "succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn");
        FakeRm.Call out = rm.calls("/TransOut").getFirst();
        assertThat(out.method()).isEqualTo("POST");
        assertThat(out.body()).isEqualTo("{\"amount\":30}");
        assertThat(out.query()).containsEntry("trans_type", "saga").containsEntry("branch_id", "01")
                .containsEntry("op", "action").doesNotContainKey("dtm");
        assertThat(out.headers()).containsEntry("content-type", "application/json");
        assertThat(query(gid).path("transaction").path("rollback_reason").isMissingNode()).isTrue();
    }

    @Test
    void failingSecondActionRollsBackIncludingTheFailedStep() {
        String gid = gid();
        rm.answer("/TransIn", Reply.FAILURE);
        submit(transferSaga(gid));
        awaitStatus(gid, "failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
        assertThat(query(gid).path("transaction").path("rollback_reason").asText()).contains("Insufficient balance");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransInRevert", "/TransOutRevert");
    }

    @Test
    void waitResultReportsSuccessOnlyAfterSucceed() {
        String gid = gid();
        DtmHttp.Res r = submit(with(transferSaga(gid), "wait_result", true));
        assertThat(r.status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void waitResultWithRollbackAnswers409WithTheReason() {
        String gid = gid();
        rm.answer("/TransIn", Reply.FAILURE);
        DtmHttp.Res r = submit(with(transferSaga(gid), "wait_result", true));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.field("dtm_result")).isEqualTo("FAILURE");
        assertThat(r.field("message")).contains("Insufficient balance").endsWith("FAILURE");
        assertThat(status(gid)).isEqualTo("failed");
    }

    @Test
    void ongoingActionStaysSubmittedUntilCron() {
        String gid = gid();
        rm.script("/TransOut", Reply.ONGOING);
        DtmHttp.Res r = submit(with(transferSaga(gid), "wait_result", true));
        assertThat(r.status()).isEqualTo(409); // not finished: DTM reports it as FAILURE with wait_result
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsOnly("prepared");
        assertThat(cron()).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void compensationErrorKeepsAbortingUntilCron() {
        String gid = gid();
        rm.answer("/TransIn", Reply.FAILURE);
        rm.script("/TransOutRevert", Reply.ERROR);
        submit(with(transferSaga(gid), "wait_result", true));
        assertThat(status(gid)).isEqualTo("aborting");
        cron(3600);
        assertThat(status(gid)).isEqualTo("failed");
    }

    @Test
    void emptyUrlsCountAsSuccess() {
        String gid = gid();
        DtmHttp.Res r = submit(with(saga(gid, "", "", "/TransIn", ""), "wait_result", true));
        assertThat(r.status()).isEqualTo(200);
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    @Test
    void submitTwiceWhileSubmittedRedrivesAndAfterSucceedIsRefused() {
        String gid = gid();
        rm.script("/TransOut", Reply.ONGOING);
        submit(with(transferSaga(gid), "wait_result", true));
        assertThat(status(gid)).isEqualTo("submitted");
        DtmHttp.Res again = submit(with(transferSaga(gid), "wait_result", true));
        assertThat(again.status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        DtmHttp.Res late = submit(transferSaga(gid));
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.field("message")).contains("current status 'succeed'").endsWith("FAILURE");
    }

    @Test
    void legacyStepDataWorksWithoutPayloads() {
        String gid = gid();
        Map<String, Object> body = Map.of("gid", gid, "trans_type", "saga", "wait_result", true, "steps",
                List.of(Map.of("action", url("/TransOut"), "compensate", url("/TransOutRevert"), "data", "{\"a\":1}")));
        assertThat(submit(body).status()).isEqualTo(200);
        assertThat(rm.calls("/TransOut").getFirst().body()).isEqualTo("{\"a\":1}");
    }

    @Test
    void emptyPayloadMeansGet() {
        String gid = gid();
        Map<String, Object> body = with(transferSaga(gid), "payloads", List.of("", ""), "wait_result", true);
        submit(body);
        assertThat(rm.calls("/TransOut").getFirst().method()).isEqualTo("GET");
    }

    @Test
    void concurrentSagaRunsIndependentActionsInParallel() {
        String gid = gid();
        rm.script("/TransOut", Reply.ONGOING);
        Map<String, Object> body = with(transferSaga(gid), "concurrent", true, "custom_data", "{\"concurrent\":true}",
                "wait_result", true);
        submit(body);
        assertThat(branchStatuses(gid)).containsExactly("prepared", "prepared", "prepared", "succeed");
        assertThat(status(gid)).isEqualTo("submitted");
        cron();
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void concurrentOrderStep0FailureNeverRunsStep1() {
        String gid = gid();
        rm.answer("/TransOut", Reply.FAILURE);
        submit(with(transferSaga(gid), "custom_data", "{\"concurrent\":true,\"orders\":{\"1\":[0]}}",
                "wait_result", true));
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "failed", "prepared", "prepared");
        assertThat(rm.count("/TransIn")).isZero();
        assertThat(rm.count("/TransInRevert")).isZero();
    }

    @Test
    void concurrentOrderStep1Failure() {
        String gid = gid();
        rm.answer("/TransIn", Reply.FAILURE);
        submit(with(transferSaga(gid), "custom_data", "{\"concurrent\":true,\"orders\":{\"1\":[0]}}",
                "wait_result", true));
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
    }

    @Test
    void concurrentCompensationOngoingStaysAbortingThenFails() {
        String gid = gid();
        rm.answer("/TransIn", Reply.FAILURE);
        rm.script("/TransOutRevert", Reply.ONGOING);
        submit(with(transferSaga(gid), "custom_data", "{\"concurrent\":true,\"orders\":{\"1\":[0]}}",
                "wait_result", true));
        assertThat(status(gid)).isEqualTo("aborting");
        cron();
        assertThat(status(gid)).isEqualTo("failed");
    }

    @Test
    void retryIntervalIsKeptOnOngoing() {
        String gid = gid();
        rm.script("/TransOut", Reply.ONGOING);
        submit(with(transferSaga(gid), "retry_interval", 150, "wait_result", true));
        assertThat(query(gid).path("transaction").path("next_cron_interval").asLong()).isEqualTo(150);
        assertThat(cron(180)).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void errorDoublesTheRetryInterval() {
        String gid = gid();
        rm.script("/TransOut", Reply.ERROR);
        submit(with(transferSaga(gid), "retry_interval", 150, "wait_result", true));
        assertThat(query(gid).path("transaction").path("next_cron_interval").asLong()).isEqualTo(300);
        assertThat(cron(180)).isZero();
        assertThat(cron(360)).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void timeoutToFailRollsBackAndCompensatesTheInFlightAction() {
        String gid = gid();
        rm.answer("/TransOut", Reply.ONGOING);
        submit(with(transferSaga(gid), "timeout_to_fail", 1800, "wait_result", true));
        clock.advance(Duration.ofSeconds(3600));
        cron();
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "prepared", "prepared", "prepared");
        assertThat(query(gid).path("transaction").path("rollback_reason").asText()).matches("^Timeout after \\d+ seconds$");
    }

    @Test
    void branchHeadersReachTheRmOnFirstCallAndRetries() {
        String gid = gid();
        rm.script("/TransOut", Reply.ERROR);
        submit(with(transferSaga(gid), "branch_headers", Map.of("test_header", "test"), "wait_result", true));
        cron(3600);
        assertThat(rm.calls("/TransOut")).hasSize(2).allSatisfy(c -> assertThat(c.headers()).containsEntry("test_header", "test"));
    }

    @Test
    void retryLimitRetriesInPass() {
        String gid = gid();
        rm.script("/TransIn", Reply.ERROR, Reply.ERROR, Reply.ERROR);
        DtmHttp.Res r = submit(with(transferSaga(gid), "retry_limit", 3, "wait_result", true));
        assertThat(r.status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(rm.count("/TransIn")).isEqualTo(4);
    }

    @Test
    void retryLimitReachedAborts() {
        String gid = gid();
        rm.script("/TransIn", Reply.ERROR, Reply.ERROR, Reply.ERROR);
        DtmHttp.Res r = submit(with(transferSaga(gid), "retry_limit", 1, "wait_result", true));
        assertThat(r.status()).isEqualTo(409);
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "succeed", "succeed", "prepared");
        assertThat(query(gid).path("transaction").path("rollback_reason").asText())
                .isEqualTo("RetryCount is greater than RetryLimit, RetryLimit: 1");
    }

    @Test
    void requestTimeoutIsHonoured() {
        String gid = gid();
        rm.script("/TransOut", new Reply(200, "", Duration.ofMillis(2500)));
        DtmHttp.Res r = submit(with(transferSaga(gid), "request_timeout", 1, "wait_result", true));
        assertThat(r.status()).isEqualTo(409);
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsOnly("prepared");
    }

    @Test
    void pollerDrivesABacklogConcurrently() {
        rm.answer("/TransOut", Reply.ONGOING);
        java.util.List<String> gids = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String gid = gid();
            gids.add(gid);
            submit(with(transferSaga(gid), "wait_result", true));
        }
        rm.answer("/TransOut", new Reply(200, "", Duration.ofMillis(200)));
        assertThat(cron()).isEqualTo(100);
        for (String gid : gids) {
            assertThat(status(gid)).as(() -> query(gid).toString() + rm.pathsFor(gid)).isEqualTo("succeed");
        }
        // one at a time would never have two calls open at once
        assertThat(rm.peakConcurrency()).isGreaterThanOrEqualTo(20);
    }

    @Test
    void baseIntervalFollowsDtmRules() {
        String a = gid();
        String b = gid();
        String c = gid();
        submit(with(transferSaga(a), "retry_interval", 15, "wait_result", true));
        submit(with(transferSaga(b), "wait_result", true));
        submit(with(transferSaga(c), "timeout_to_fail", 3, "wait_result", true));
        assertThat(query(a).path("transaction").path("next_cron_interval").asLong()).isEqualTo(15);
        assertThat(query(b).path("transaction").path("next_cron_interval").asLong()).isEqualTo(10);
        assertThat(query(c).path("transaction").path("next_cron_interval").asLong()).isEqualTo(3);
        String d = gid();
        rm.script("/TransOut", Reply.ERROR);
        submit(with(transferSaga(d), "wait_result", true));
        assertThat(query(d).path("transaction").path("next_cron_interval").asLong()).isEqualTo(20);
    }

    @Test
    void anEmpty200AnswerIsSuccess() {
        String gid = gid();
        rm.answer("/TransOut", Reply.of(200, ""));
        rm.answer("/TransIn", Reply.of(200, ""));
        assertThat(submit(with(transferSaga(gid), "wait_result", true)).status()).isEqualTo(200);
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }
}
