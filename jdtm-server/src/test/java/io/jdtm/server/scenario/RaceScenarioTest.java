package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Races are part of the protocol (docs/security.md, "Races"): submit, abort, forceStop and registerBranch sent at
 * once on one gid each get one of their defined answers — never a 5xx — and the transaction ends in one consistent
 * final state. Each round releases every request from one latch, so they really overlap.
 */
class RaceScenarioTest extends ScenarioBase {
    private static final int ROUNDS = 40;

    /**
     * A branch call must not time out on a loaded CI machine: a timeout is an ERROR (retried), which would leave the
     * saga unfinished after its wait_result submits and call a branch twice for a reason other than a race.
     */
    @Override
    protected ServerConfig config() {
        return super.config().with("RequestTimeout", 30L);
    }

    private DtmHttp.Res register(String gid, String id, String confirm) {
        return api.post("/api/dtmsvr/registerBranch", Map.of("gid", gid, "trans_type", "tcc", "branch_id", id,
                "data", "{}", "confirm", url(confirm), "cancel", url("/TransOutCancel")));
    }

    @Test
    void concurrentSubmitAbortForceStopAndRegisterBranchOnOneTcc() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < ROUNDS; round++) {
                String gid = gid();
                assertThat(prepare(Map.of("gid", gid, "trans_type", "tcc")).status()).isEqualTo(200);
                assertThat(register(gid, "01", "/TransOutConfirm").status()).isEqualTo(200);
                CountDownLatch go = new CountDownLatch(1);
                List<Callable<DtmHttp.Res>> calls = List.of(
                        () -> submit(Map.of("gid", gid, "trans_type", "tcc")),
                        () -> api.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "tcc")),
                        () -> api.post("/api/dtmsvr/forceStop", Map.of("gid", gid)),
                        () -> register(gid, "02", "/TransInConfirm"),
                        () -> register(gid, "02", "/TransInConfirm"), // the same registration twice
                        () -> register(gid, "01", "/Other"), // a conflicting one
                        () -> submit(Map.of("gid", gid, "trans_type", "tcc")));
                List<Future<DtmHttp.Res>> answers = new ArrayList<>();
                for (Callable<DtmHttp.Res> c : calls) {
                    answers.add(pool.submit(() -> {
                        go.await();
                        return c.call();
                    }));
                }
                go.countDown();
                for (int i = 0; i < answers.size(); i++) {
                    DtmHttp.Res r = answers.get(i).get();
                    assertThat(r.status()).as("call %d of round %d: %s", i, round, r.body()).isIn(200, 409);
                    if (r.status() == 409) {
                        assertThat(r.body()).contains("FAILURE").doesNotContain("Exception");
                    }
                }
                assertThat(answers.get(5).get().status()).as("a conflicting registration").isEqualTo(409);
                // whatever won, the transaction ends final (abort/forceStop: failed; submit first: succeed)
                cron(3600);
                String end = status(gid);
                assertThat(end).isIn("succeed", "failed");
                Set<String> branchEnds = Set.copyOf(branchStatuses(gid));
                if (end.equals("succeed")) {
                    assertThat(branchStatuses(gid)).doesNotContain("failed");
                }
                assertThat(branchEnds).isNotEmpty();
            }
        }
    }

    @Test
    void concurrentIdenticalSubmitsOfOneSagaRunItOnce() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < ROUNDS / 4; round++) {
                String gid = gid();
                Map<String, Object> body = with(transferSaga(gid), "wait_result", true);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<DtmHttp.Res>> answers = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    answers.add(pool.submit(() -> {
                        go.await();
                        return submit(body);
                    }));
                }
                go.countDown();
                for (Future<DtmHttp.Res> f : answers) {
                    DtmHttp.Res r = f.get();
                    assertThat(r.status()).as(r.body()).isIn(200, 409);
                }
                assertThat(status(gid)).isEqualTo("succeed");
                assertThat(rm.calls(c -> c.gid().equals(gid) && c.path().equals("/TransOut"))).hasSize(1);
                assertThat(rm.calls(c -> c.gid().equals(gid) && c.path().equals("/TransIn"))).hasSize(1);
            }
        }
    }
}
