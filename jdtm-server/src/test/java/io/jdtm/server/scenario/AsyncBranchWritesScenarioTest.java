package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.scenario.FakeRm.Reply;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code UpdateBranchSync: 0} (spec §6.13): a pass keeps the statuses of the branches it called and writes them
 * with its next status change, or when it ends; concurrent sagas and sagas with a timeout_to_fail keep writing each
 * status as its call ends, as in DTM. Each test tells the deferred write from a synchronous one by what the store
 * shows while a later call of the same pass is held at the RM.
 */
class AsyncBranchWritesScenarioTest extends ScenarioBase {

    @Override
    protected ServerConfig config() {
        return super.config().with("UpdateBranchSync", 0);
    }

    @Test
    void aSagaWritesItsBranchStatusesWithItsFinalStatus() throws Exception {
        String gid = gid();
        Gate<Reply> in = rm.hold("/TransIn");
        CompletableFuture<DtmHttp.Res> r = Interleavings.async(() -> submit(with(transferSaga(gid), "wait_result", true)));
        in.awaitArrival();
        assertThat(branchStatuses(gid)).as("TransOut answered, its status deferred")
                .containsExactly("prepared", "prepared", "prepared", "prepared");
        in.open(Reply.SUCCESS);

        assertThat(r.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    @Test
    void aPassThatEndsUnfinishedWritesWhatItDeferredSoTheNextPassDoesNotCallAgain() {
        String gid = gid();
        rm.script("/TransIn", Reply.ONGOING);
        assertThat(submit(with(transferSaga(gid), "wait_result", true)).status()).isEqualTo(409);
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "prepared");

        assertThat(cron()).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(rm.count("/TransOut")).as("written at the end of the first pass").isEqualTo(1);
        assertThat(rm.count("/TransIn")).isEqualTo(2);
    }

    @Test
    void aRollbackWritesTheFailedActionAndTheCompensations() {
        String gid = gid();
        rm.answer("/TransIn", Reply.FAILURE);
        assertThat(submit(with(transferSaga(gid), "wait_result", true)).status()).isEqualTo(409);
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransInRevert", "/TransOutRevert");
    }

    @Test
    void aConcurrentSagaStillWritesEachStatusAtOnce() throws Exception {
        String gid = gid();
        Gate<Reply> in = rm.hold("/TransIn");
        Map<String, Object> body = with(transferSaga(gid), "concurrent", true, "custom_data",
                "{\"concurrent\":true}", "wait_result", true);
        CompletableFuture<DtmHttp.Res> r = Interleavings.async(() -> submit(body));
        in.awaitArrival();
        org.awaitility.Awaitility.await().until(() -> branchStatuses(gid).get(1).equals("succeed"));
        in.open(Reply.SUCCESS);
        assertThat(r.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    @Test
    void aSagaWithATimeoutToFailStillWritesEachStatusAtOnce() throws Exception {
        String gid = gid();
        Gate<Reply> in = rm.hold("/TransIn");
        CompletableFuture<DtmHttp.Res> r = Interleavings.async(
                () -> submit(with(transferSaga(gid), "wait_result", true, "timeout_to_fail", 300)));
        in.awaitArrival();
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "prepared");
        in.open(Reply.SUCCESS);
        assertThat(r.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }

    @Test
    void tccWritesItsConfirmsWithTheFinalStatus() {
        String gid = gid();
        prepareTccTransfer(gid);
        assertThat(submit(Map.of("gid", gid, "trans_type", "tcc", "wait_result", true)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
    }
}
