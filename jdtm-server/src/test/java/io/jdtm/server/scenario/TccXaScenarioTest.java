package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.scenario.FakeRm.Reply;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TCC and XA driven as their APs do: prepare, register branches (the AP calls try itself), submit or abort. */
class TccXaScenarioTest extends ScenarioBase {

    private DtmHttp.Res register(Map<String, String> body) {
        return api.post("/api/dtmsvr/registerBranch", body);
    }

    private void registerTcc(String gid, String branchId, String name) {
        DtmHttp.Res r = register(Map.of("gid", gid, "trans_type", "tcc", "branch_id", branchId, "data",
                "{\"amount\":30}", "confirm", url("/" + name + "Confirm"), "cancel", url("/" + name + "Cancel")));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void tccConfirmsLastToFirst() {
        String gid = gid();
        assertThat(prepare(Map.of("gid", gid, "trans_type", "tcc")).status()).isEqualTo(200);
        registerTcc(gid, "01", "TransOut");
        registerTcc(gid, "02", "TransIn");
        assertThat(submit(Map.of("gid", gid, "trans_type", "tcc", "wait_result", true)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransInConfirm", "/TransOutConfirm");
        assertThat(rm.calls("/TransInConfirm").getFirst().body()).isEqualTo("{\"amount\":30}");
        assertThat(rm.calls("/TransInConfirm").getFirst().query()).containsEntry("op", "confirm");
    }

    @Test
    void tccAbortCancelsAndOngoingCancelIsRetriedByCron() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "tcc"));
        registerTcc(gid, "01", "TransOut");
        rm.script("/TransOutCancel", Reply.ONGOING);
        DtmHttp.Res r = api.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "tcc", "rollback_reason",
                "try 2 said FAILURE"));
        assertThat(r.status()).isEqualTo(200); // stored wait_result is false: processed in the background
        awaitStatus(gid, "aborting");
        org.awaitility.Awaitility.await().until(() -> rm.count("/TransOutCancel") == 1);
        cron();
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "prepared");
        assertThat(query(gid).path("transaction").path("rollback_reason").asText()).contains("FAILURE");
    }

    @Test
    void tccTimesOutWhileTheApIsBetweenBranches() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "tcc"));
        registerTcc(gid, "01", "TransOut");
        clock.advance(Duration.ofSeconds(300));
        cron();
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(query(gid).path("transaction").path("rollback_reason").asText()).matches("Timeout after \\d+ seconds");
        DtmHttp.Res late = register(Map.of("gid", gid, "trans_type", "tcc", "branch_id", "02", "confirm", "", "cancel", ""));
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.field("message")).isEqualTo("no trans with gid: " + gid + " status: prepared found FAILURE");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "prepared");
    }

    @Test
    void legacyBodiesAreClassifiedByContent() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "tcc"));
        registerTcc(gid, "01", "TransOut");
        rm.script("/TransOutConfirm", Reply.of(200, "{\"dtm_result\":\"ONGOING\"}"));
        DtmHttp.Res r = submit(Map.of("gid", gid, "trans_type", "tcc", "wait_result", true));
        assertThat(r.status()).isEqualTo(425);
        assertThat(r.field("dtm_result")).isEqualTo("ONGOING");
        cron();
        assertThat(status(gid)).isEqualTo("succeed");
    }

    @Test
    void aRepeatedRegisterBranchMustBeIdenticalAndInputIsChecked() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "tcc"));
        registerTcc(gid, "01", "TransOut");
        DtmHttp.Res dup = register(Map.of("gid", gid, "trans_type", "tcc", "branch_id", "01", "confirm", "", "cancel", ""));
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.field("message")).contains("branch 01 of " + gid + " is registered already").contains("url");
        com.fasterxml.jackson.databind.JsonNode before = query(gid).path("branches");
        registerTcc(gid, "01", "TransOut"); // the same again: idempotent (asserts 200)
        assertThat(query(gid).path("branches")).isEqualTo(before);
        assertThat(api.post("/api/dtmsvr/registerBranch", "{\"gid\":\"" + gid + "\",\"branch_id\":1}").status()).isEqualTo(400);
        assertThat(register(Map.of("gid", gid, "trans_type", "saga", "branch_id", "03")).field("message")).contains("unknow trans type");
        assertThat(branchStatuses(gid)).hasSize(2);
    }

    @Test
    void nestedSubBranchesAreConfirmedBeforeTheirParents() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "tcc"));
        registerTcc(gid, "01", "A");
        registerTcc(gid, "02", "B");
        registerTcc(gid, "0201", "B1");
        submit(Map.of("gid", gid, "trans_type", "tcc", "wait_result", true));
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed", "prepared", "succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/B1Confirm", "/BConfirm", "/AConfirm");
    }

    @Test
    void abortIsRefusedForTheWrongTypeOrStatus() {
        String gid = gid();
        submit(with(transferSaga(gid), "wait_result", true));
        DtmHttp.Res r = api.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "saga"));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.field("message")).isEqualTo("trans type: 'saga' current status 'succeed', cannot abort. FAILURE");
    }

    private void registerXa(String gid, String branchId, String name) {
        assertThat(register(Map.of("gid", gid, "trans_type", "xa", "branch_id", branchId, "url", url("/" + name)))
                .status()).isEqualTo(200);
    }

    @Test
    void xaCommitsFirstToLastWithPost() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "xa"));
        registerXa(gid, "01", "TransOutXa");
        registerXa(gid, "02", "TransInXa");
        assertThat(submit(Map.of("gid", gid, "trans_type", "xa", "wait_result", true)).status()).isEqualTo(200);
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOutXa", "/TransInXa");
        assertThat(rm.calls("/TransOutXa").getFirst().method()).isEqualTo("POST");
        assertThat(rm.calls("/TransOutXa").getFirst().query()).containsEntry("op", "commit");
    }

    @Test
    void xaRollbackOnlyTouchesRegisteredBranches() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "xa"));
        registerXa(gid, "01", "TransOutXa");
        prepare(Map.of("gid", gid, "trans_type", "xa", "wait_result", true));
        DtmHttp.Res r = api.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "xa"));
        assertThat(r.status()).isEqualTo(200);
        awaitStatus(gid, "failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "prepared");
        assertThat(rm.calls("/TransOutXa").getFirst().query()).containsEntry("op", "rollback");
    }

    @Test
    void xaWithoutBranchesTimesOut() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "xa"));
        cron();
        assertThat(status(gid)).isEqualTo("prepared");
        clock.advance(Duration.ofSeconds(300));
        cron();
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(query(gid).path("branches")).isEmpty();
        assertThat(submit(Map.of("gid", gid, "trans_type", "xa")).status()).isEqualTo(409);
    }

    @Test
    void xaCommitOngoingThenCron() {
        String gid = gid();
        prepare(Map.of("gid", gid, "trans_type", "xa"));
        registerXa(gid, "01", "TransOutXa");
        rm.script("/TransOutXa", Reply.of(200, "{\"dtm_result\":\"ONGOING\"}"));
        submit(Map.of("gid", gid, "trans_type", "xa", "wait_result", true));
        assertThat(status(gid)).isEqualTo("submitted");
        cron();
        assertThat(status(gid)).isEqualTo("succeed");
    }
}
