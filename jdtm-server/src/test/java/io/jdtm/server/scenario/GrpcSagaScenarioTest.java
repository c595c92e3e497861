package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.scenario.FakeGrpcRm.Reply;
import io.jdtm.server.scenario.FakeGrpcRm.Span;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sagas whose branches are gRPC services (spec §5.2, §6.7): the TM calls them over the wire. */
class GrpcSagaScenarioTest extends GrpcScenarioBase {

    @Test
    void sagaSucceedsCallingEachActionOverGrpc() {
        String gid = gid();
        DtmHttp.Res r = submit(with(grpcTransferSaga(gid), "wait_result", true));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(grpcRm.methodsFor(gid)).containsExactly(m("TransOut"), m("TransIn"));
        FakeGrpcRm.Call out = grpcRm.calls(m("TransOut")).getFirst();
        assertThat(out.body()).isEqualTo("{\"amount\":30}");
        assertThat(out.metadata()).containsEntry("dtm-gid", gid).containsEntry("dtm-trans_type", "saga")
                .containsEntry("dtm-branch_id", "01").containsEntry("dtm-op", "action").containsEntry("dtm-dtm", "");
        assertThat(grpcRm.calls(m("TransIn")).getFirst().branchId()).isEqualTo("02");
        assertThat(rm.calls()).isEmpty();
    }

    @Test
    void abortedActionRollsBackWithCompensationsInReverse() {
        String gid = gid();
        grpcRm.answer(m("TransIn"), Reply.FAILURE);
        DtmHttp.Res r = submit(with(grpcTransferSaga(gid), "wait_result", true));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.field("message")).contains("Insufficient balance").endsWith("FAILURE");
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
        assertThat(grpcRm.methodsFor(gid)).containsExactly(m("TransOut"), m("TransIn"), m("TransInRevert"),
                m("TransOutRevert"));
        FakeGrpcRm.Call revert = grpcRm.calls(m("TransInRevert")).getFirst();
        assertThat(revert.op()).isEqualTo("compensate");
        assertThat(revert.body()).isEqualTo("{\"amount\":30}");
        assertThat(query(gid).path("transaction").path("rollback_reason").asText())
                .contains(g("TransIn")).contains("ABORTED").contains("Insufficient balance");
        // the attempt history carries gRPC codes
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                api.get("/api/dtmsvr/attempts?gid=" + gid).json().path("attempts").size() == 4);
        var attempts = api.get("/api/dtmsvr/attempts?gid=" + gid).json().path("attempts");
        assertThat(attempts.get(0).path("code").asText()).isEqualTo("OK");
        assertThat(attempts.get(1).path("code").asText()).isEqualTo("ABORTED");
        assertThat(attempts.get(1).path("outcome").asText()).isEqualTo("FAILURE");
        assertThat(attempts.get(1).path("answer").asText()).contains("Insufficient balance");
    }

    @Test
    void failedPreconditionIsOngoingAndTheCronFinishes() {
        String gid = gid();
        grpcRm.script(m("TransOut"), Reply.ONGOING);
        submit(with(grpcTransferSaga(gid), "retry_interval", 150, "wait_result", true));
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsOnly("prepared");
        assertThat(nextCronInterval(gid)).isEqualTo(150); // ONGOING keeps the interval
        assertThat(cron(180)).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(grpcRm.count(m("TransOut"))).isEqualTo(2);
    }

    @Test
    void abortedWithMessageOngoingIsOngoingNotFailure() {
        String gid = gid();
        grpcRm.script(m("TransOut"), Reply.LEGACY_ONGOING);
        submit(with(grpcTransferSaga(gid), "retry_interval", 150, "wait_result", true));
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsOnly("prepared");
        assertThat(nextCronInterval(gid)).isEqualTo(150);
        cron(180);
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void errorsBackOffThenSucceed() {
        String gid = gid();
        grpcRm.script(m("TransOut"), Reply.UNAVAILABLE, Reply.UNAVAILABLE);
        DtmHttp.Res r = submit(with(grpcTransferSaga(gid), "retry_interval", 150, "wait_result", true));
        assertThat(r.status()).isNotEqualTo(200);
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(nextCronInterval(gid)).isEqualTo(300);
        assertThat(cron(180)).isZero(); // not due yet: backed off
        assertThat(cron(360)).isEqualTo(1);
        assertThat(nextCronInterval(gid)).isEqualTo(600);
        assertThat(cron(720)).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(grpcRm.count(m("TransOut"))).isEqualTo(3);
    }

    @Test
    void waitResultWithoutItTheSagaFinishesInTheBackground() {
        String gid = gid();
        DtmHttp.Res r = submit(grpcTransferSaga(gid));
        assertThat(r.status()).isEqualTo(200);
        awaitStatus(gid, "succeed");
        assertThat(grpcRm.methodsFor(gid)).containsExactly(m("TransOut"), m("TransIn"));
    }

    @Test
    void concurrentSagaRunsIndependentStepsTogetherAndHonoursOrders() {
        String gid = gid();
        grpcRm.answer(m("A"), Reply.OK.delayed(Duration.ofMillis(400)));
        grpcRm.answer(m("B"), Reply.OK.delayed(Duration.ofMillis(400)));
        DtmHttp.Res r = submit(with(grpcSaga(gid, "A", "ARevert", "B", "BRevert", "C", "CRevert"),
                "custom_data", "{\"concurrent\":true,\"orders\":{\"2\":[0,1]}}", "wait_result", true));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        Span a = span(m("A"));
        Span b = span(m("B"));
        Span c = span(m("C"));
        assertThat(a.overlaps(b)).as("A and B run at the same time").isTrue();
        assertThat(c.start()).as("C waits for A and B").isAfterOrEqualTo(a.end()).isAfterOrEqualTo(b.end());
    }

    @Test
    void concurrentSagaRollsBackDependentsFirst() {
        String gid = gid();
        grpcRm.answer(m("C"), Reply.FAILURE);
        submit(with(grpcSaga(gid, "A", "ARevert", "B", "BRevert", "C", "CRevert"),
                "custom_data", "{\"concurrent\":true,\"orders\":{\"2\":[0,1]}}", "wait_result", true));
        assertThat(status(gid)).isEqualTo("failed");
        Span cRevert = span(m("CRevert"));
        assertThat(span(m("ARevert")).start()).isAfterOrEqualTo(cRevert.end());
        assertThat(span(m("BRevert")).start()).isAfterOrEqualTo(cRevert.end());
    }

    private Span span(String method) {
        List<Span> s = grpcRm.spans().stream().filter(x -> x.method().equals(method)).toList();
        assertThat(s).as("calls of " + method).hasSize(1);
        return s.getFirst();
    }

    @Test
    void httpBranchesInsideAGrpcSagaStillGoOverHttp() {
        String gid = gid();
        rm.answer("/TransIn", FakeRm.Reply.FAILURE);
        Map<String, Object> body = with(grpcTransferSaga(gid), "steps", List.of(
                Map.of("action", g("TransOut"), "compensate", g("TransOutRevert")),
                Map.of("action", url("/TransIn"), "compensate", url("/TransInRevert"))), "wait_result", true);
        assertThat(submit(body).status()).isEqualTo(409);
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(grpcRm.methodsFor(gid)).containsExactly(m("TransOut"), m("TransOutRevert"));
        assertThat(rm.pathsFor(gid)).containsExactly("/TransIn", "/TransInRevert");
        FakeRm.Call in = rm.calls("/TransIn").getFirst();
        assertThat(in.method()).isEqualTo("POST");
        assertThat(in.body()).isEqualTo("{\"amount\":30}");
        assertThat(in.query()).containsEntry("trans_type", "saga").containsEntry("branch_id", "02")
                .containsEntry("op", "action");
        // the HTTP compensation ran before the gRPC one: last step first
        assertThat(rm.calls("/TransInRevert").getFirst().at())
                .isBeforeOrEqualTo(grpcRm.calls(m("TransOutRevert")).getFirst().at());
    }

    @Test
    void branchHeadersTravelAsMetadataOnEveryCall() {
        String gid = gid();
        grpcRm.script(m("TransOut"), Reply.UNAVAILABLE);
        submit(with(grpcTransferSaga(gid), "branch_headers", Map.of("X-Tenant", "acme", "authorization", "Bearer t"),
                "wait_result", true));
        cron(3600);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(grpcRm.calls()).hasSize(3).allSatisfy(c -> assertThat(c.metadata())
                .containsEntry("x-tenant", "acme").containsEntry("authorization", "Bearer t")
                .containsEntry("dtm-gid", gid).containsEntry("dtm-trans_type", "saga"));
    }

    @Test
    void requestTimeoutIsTheDeadlineAndAHeldCallIsRetried() {
        String gid = gid();
        Gate<FakeGrpcRm.Reply> held = grpcRm.hold(m("TransOut"));
        long t0 = System.nanoTime();
        DtmHttp.Res r = submit(with(grpcTransferSaga(gid), "request_timeout", 1, "wait_result", true));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(held.hasArrived()).isTrue();
        held.open(Reply.OK); // too late: the TM gave up at the deadline
        assertThat(r.status()).isEqualTo(409);
        assertThat(tookMs).as("the pass waited for the 1 s deadline, not the held call").isLessThan(10_000);
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsOnly("prepared");
        assertThat(nextCronInterval(gid)).as("a deadline is an error: backoff").isEqualTo(20);
        cron(3600);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(grpcRm.count(m("TransOut"))).isEqualTo(2);
    }
}
