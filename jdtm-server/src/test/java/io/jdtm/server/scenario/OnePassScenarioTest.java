package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.scenario.FakeRm.Reply;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * At most one pass drives a transaction at any moment, and a rollback compensates everything that may have run
 * (issue 8). Each test holds a branch call at the RM while it makes the TM face a second trigger on the same
 * transaction — the poller after the pass outlived its lease, a re-submit, {@code wait_result} and the poller at
 * once — then lets the call answer and checks the RM's call log: no call of one transaction overlapped another,
 * no branch was called more often than one pass would, and the effects are balanced.
 */
class OnePassScenarioTest extends ScenarioBase {

    /** Far beyond any lease of the default config: the pass behaves as after a long pause. */
    private static final Duration PAST_THE_LEASE = Duration.ofSeconds(120);

    // ---- saga

    @Test
    void aSagaPassThatOutlivesItsLeaseIsNotJoinedByThePoller() throws Exception {
        String gid = gid();
        Gate<Reply> out = rm.hold("/TransOut");
        assertThat(submit(with(transferSaga(gid), "retry_interval", 1)).status()).isEqualTo(200);
        out.awaitArrival();

        clock.advance(PAST_THE_LEASE);
        CompletableFuture<Integer> poller = Interleavings.async(() -> cron(0));
        awaitJoined(1);
        out.open(Reply.FAILURE);

        assertThat(poller.get(20, TimeUnit.SECONDS)).as("the poller claimed the lapsed lease").isEqualTo(1);
        awaitStatus(gid, "failed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransOutRevert");
        assertOnePassAtATime(gid);
        assertSagaBalanced(gid);
    }

    @Test
    void aResubmitDuringAPassStartsNoSecondPass() throws Exception {
        String gid = gid();
        Gate<Reply> out = rm.hold("/TransOut");
        assertThat(submit(transferSaga(gid)).status()).isEqualTo(200);
        out.awaitArrival();

        assertThat(submit(transferSaga(gid)).status()).isEqualTo(200);
        CompletableFuture<DtmHttp.Res> waiting =
                Interleavings.async(() -> submit(with(transferSaga(gid), "wait_result", true)));
        awaitJoined(2);
        out.open(Reply.FAILURE);

        DtmHttp.Res r = waiting.get(20, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.body()).isEqualTo(409);
        assertThat(r.field("message")).contains("/TransOut return failed");
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransOutRevert");
        assertOnePassAtATime(gid);
        assertSagaBalanced(gid);
    }

    @Test
    void waitResultAndThePollerAtOnceShareOnePass() throws Exception {
        String gid = gid();
        Gate<Reply> out = rm.hold("/TransOut");
        CompletableFuture<DtmHttp.Res> waiting =
                Interleavings.async(() -> submit(with(transferSaga(gid), "wait_result", true)));
        out.awaitArrival();

        clock.advance(PAST_THE_LEASE);
        CompletableFuture<Integer> poller = Interleavings.async(() -> cron(0));
        awaitJoined(1);
        out.open(Reply.SUCCESS);

        DtmHttp.Res r = waiting.get(20, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(poller.get(20, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn");
        assertOnePassAtATime(gid);
        assertSagaBalanced(gid);
    }

    @Test
    void aPassLongerThanItsFirstLeaseRenewsItAndThePollerNeverClaimsItMeanwhile() {
        // forward phase: /TransIn is held until the phase's time limit has passed, then fails; the rollback then
        // needs more lease than is left for its first compensation, so the pass renews the lease before calling
        String gid = gid();
        Gate<Reply> in = rm.hold("/TransIn");
        Gate<Reply> revertIn = rm.hold("/TransInRevert");
        assertThat(submit(transferSaga(gid)).status()).isEqualTo(200);
        in.awaitArrival();
        Instant firstLease = nextCronTime(gid);

        clock.advance(Duration.between(Instant.now(), firstLease).minusSeconds(2));
        assertThat(cron(180)).as("a look-ahead round leaves a leased transaction alone").isZero();
        in.open(Reply.FAILURE);
        revertIn.awaitArrival();

        Instant renewed = nextCronTime(gid);
        assertThat(renewed).isAfter(firstLease.plusSeconds(3));
        clock.advance(Duration.ofSeconds(4)); // past the first lease, inside the renewed one
        assertThat(cron(0)).isZero();
        revertIn.open(Reply.SUCCESS);

        awaitStatus(gid, "failed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransInRevert", "/TransOutRevert");
        assertThat(metric("jdtm_lease_renewed_total")).isGreaterThanOrEqualTo(1);
        assertOnePassAtATime(gid);
        assertSagaBalanced(gid);
    }

    @Test
    void resetNextCronTimeDuringAPassAsksItForOneMoreRoundInsteadOfAnotherPass() {
        String gid = gid();
        rm.script("/TransIn", Reply.ERROR);
        Gate<Reply> out = rm.hold("/TransOut");
        assertThat(submit(transferSaga(gid)).status()).isEqualTo(200);
        out.awaitArrival();

        assertThat(api.post("/api/dtmsvr/resetNextCronTime", Map.of("gid", gid)).status()).isEqualTo(200);
        assertThat(joined()).as("the reset asked the running pass for another round").isEqualTo(1);
        assertThat(cron(0)).as("the lease is untouched, so nothing is due").isZero();
        out.open(Reply.SUCCESS);

        // the pass ran into the scripted error on /TransIn; the requested extra round then finished the saga
        awaitStatus(gid, "succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransIn");
        assertOnePassAtATime(gid);
    }

    @Test
    void aRollbackCompensatesAnActionAnEarlierPassCalledWithoutLearningItsOutcome() {
        // The first pass calls /TransIn, which takes effect but answers too late (after request_timeout): the
        // outcome is unknown. A later pass times the saga out: /TransIn is still 'prepared' in the store, yet it
        // may have run, so it is compensated.
        String gid = gid();
        rm.script("/TransIn", new Reply(200, "{\"dtm_result\":\"SUCCESS\"}", Duration.ofMillis(1500)));
        assertThat(submit(with(transferSaga(gid), "request_timeout", 1, "timeout_to_fail", 30)).status())
                .isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> rm.spans().stream().anyMatch(s -> s.gid().equals(gid) && s.path().equals("/TransIn")));
        await(() -> nextCronTimeIsScheduleNotLease(gid));
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "prepared");

        clock.advance(Duration.ofSeconds(60));
        rm.answer("/TransIn", Reply.ONGOING); // if called again it would not finish: the timeout decides
        cron(0);

        assertThat(status(gid)).isEqualTo("failed");
        assertThat(rm.count("/TransInRevert")).isEqualTo(1);
        assertThat(rm.count("/TransOutRevert")).isEqualTo(1);
        assertSagaBalanced(gid);
    }

    // ---- tcc, xa, msg

    @Test
    void aTccConfirmPassThatOutlivesItsLeaseIsNotJoinedByThePoller() throws Exception {
        String gid = gid();
        assertThat(prepare(Map.of("gid", gid, "trans_type", "tcc")).status()).isEqualTo(200);
        registerTcc(gid, "01", "TransOut");
        registerTcc(gid, "02", "TransIn");
        Gate<Reply> confirmIn = rm.hold("/TransInConfirm");
        assertThat(submit(Map.of("gid", gid, "trans_type", "tcc")).status()).isEqualTo(200);
        confirmIn.awaitArrival();

        clock.advance(PAST_THE_LEASE);
        CompletableFuture<Integer> poller = Interleavings.async(() -> cron(0));
        assertThat(api.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "tcc")).status())
                .as("a submitted tcc cannot be aborted").isEqualTo(409);
        awaitJoined(1);
        confirmIn.open(Reply.SUCCESS);

        assertThat(poller.get(20, TimeUnit.SECONDS)).isEqualTo(1);
        awaitStatus(gid, "succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransInConfirm", "/TransOutConfirm");
        assertOnePassAtATime(gid);
    }

    @Test
    void anXaCommitPassAndAResubmitShareOnePass() throws Exception {
        String gid = gid();
        assertThat(prepare(Map.of("gid", gid, "trans_type", "xa")).status()).isEqualTo(200);
        for (String id : List.of("01", "02")) {
            assertThat(api.post("/api/dtmsvr/registerBranch", Map.of("gid", gid, "trans_type", "xa", "branch_id", id,
                    "url", url("/Xa" + id))).status()).isEqualTo(200);
        }
        Gate<Reply> commit1 = rm.hold("/Xa01");
        assertThat(submit(Map.of("gid", gid, "trans_type", "xa")).status()).isEqualTo(200);
        commit1.awaitArrival();

        CompletableFuture<DtmHttp.Res> resubmit =
                Interleavings.async(() -> submit(Map.of("gid", gid, "trans_type", "xa", "wait_result", true)));
        clock.advance(PAST_THE_LEASE);
        CompletableFuture<Integer> poller = Interleavings.async(() -> cron(0));
        awaitJoined(2);
        commit1.open(Reply.SUCCESS);

        assertThat(resubmit.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        poller.get(20, TimeUnit.SECONDS);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/Xa01", "/Xa02");
        assertThat(rm.calls(c -> c.gid().equals(gid)).stream().map(FakeRm.Call::op)).containsOnly("commit");
        assertOnePassAtATime(gid);
    }

    @Test
    void aMsgPassAndAResubmitAndThePollerShareOnePass() throws Exception {
        String gid = gid();
        Map<String, Object> msg = Map.of("gid", gid, "trans_type", "msg",
                "steps", List.of(Map.of("action", url("/TransOut")), Map.of("action", url("/TransIn"))),
                "payloads", List.of("{\"amount\":30}", "{\"amount\":30}"), "query_prepared", url("/QueryPrepared"));
        assertThat(prepare(msg).status()).isEqualTo(200);
        Gate<Reply> out = rm.hold("/TransOut");
        assertThat(submit(msg).status()).isEqualTo(200);
        out.awaitArrival();

        assertThat(submit(msg).status()).isEqualTo(200);
        clock.advance(PAST_THE_LEASE);
        CompletableFuture<Integer> poller = Interleavings.async(() -> cron(0));
        awaitJoined(2);
        out.open(Reply.SUCCESS);

        poller.get(20, TimeUnit.SECONDS);
        awaitStatus(gid, "succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn");
        assertOnePassAtATime(gid);
    }

    // ---- helpers

    private void registerTcc(String gid, String branchId, String name) {
        DtmHttp.Res r = api.post("/api/dtmsvr/registerBranch", Map.of("gid", gid, "trans_type", "tcc", "branch_id",
                branchId, "data", "{\"amount\":30}", "confirm", url("/" + name + "Confirm"), "cancel",
                url("/" + name + "Cancel")));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private Instant nextCronTime(String gid) {
        return OffsetDateTime.parse(query(gid).path("transaction").path("next_cron_time").asText()).toInstant();
    }

    /** Whether the pass has ended: it released its lease, writing the retry schedule (owner empty). */
    private boolean nextCronTimeIsScheduleNotLease(String gid) {
        return !query(gid).path("transaction").path("owner").asText("").startsWith("lease:");
    }

    private double metric(String name) {
        return Interleavings.metric(api, name);
    }

    /** How many requests to drive a transaction were folded into a running pass (the server's own count). */
    private long joined() {
        return (long) metric("jdtm_pass_joined_total");
    }

    /** Waits until {@code n} requests have joined a running pass: they reached the TM while the call is held. */
    private void awaitJoined(long n) {
        await(() -> joined() >= n);
    }

    private static void await(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(condition);
    }

    private void assertOnePassAtATime(String gid) {
        Interleavings.assertNoOverlap(rm, gid);
    }

    private void assertSagaBalanced(String gid) {
        Interleavings.assertSagaBalanced(rm, gid, status(gid));
    }
}
