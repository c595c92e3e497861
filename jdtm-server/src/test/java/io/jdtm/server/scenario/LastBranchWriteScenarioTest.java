package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.scenario.FakeRm.Reply;
import io.jdtm.server.store.TransStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code UpdateBranchSync: 1} (the default): every branch status is written as its call ends, except the last
 * branch a sequential pass calls, whose status goes into the store with the status change that follows it, in one
 * atomic write (Engine.execBranch with {@code last}). The tests count the store's write calls through a wrapper and
 * check what the store holds at the end.
 */
class LastBranchWriteScenarioTest extends ScenarioBase {
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @Override
    protected TransStore wrapStore(TransStore store) {
        return (TransStore) Proxy.newProxyInstance(TransStore.class.getClassLoader(), new Class<?>[] {TransStore.class},
                (proxy, m, args) -> {
                    calls.computeIfAbsent(m.getName(), k -> new AtomicInteger()).incrementAndGet();
                    try {
                        return m.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private int count(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    @Test
    void aSagaWritesItsLastActionWithItsFinalStatus() {
        String gid = gid();
        assertThat(submit(with(transferSaga(gid), "wait_result", true)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(count("updateBranches")).as("TransOut alone; TransIn with the final status").isEqualTo(1);
        assertThat(count("changeStatus")).isEqualTo(1);
    }

    @Test
    void aFailedLastActionIsWrittenWithTheAbortAndTheLastCompensationWithTheFailure() {
        String gid = gid();
        rm.answer("/TransIn", Reply.FAILURE);
        assertThat(submit(with(transferSaga(gid), "wait_result", true)).status()).isEqualTo(409);
        assertThat(status(gid)).isEqualTo("failed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "succeed", "succeed", "failed");
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransInRevert", "/TransOutRevert");
        assertThat(count("updateBranches")).as("TransOut and TransInRevert alone").isEqualTo(2);
        assertThat(count("changeStatus")).as("to aborting, then to failed").isEqualTo(2);
    }

    @Test
    void anActionThatIsNotTheLastIsWrittenAtOnce() {
        String gid = gid();
        rm.script("/TransIn", Reply.ONGOING);
        assertThat(submit(with(transferSaga(gid), "wait_result", true)).status()).isEqualTo(409);
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "prepared");
        assertThat(count("updateBranches")).isEqualTo(1);

        assertThat(cron()).isEqualTo(1);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(count("updateBranches")).as("the next pass called TransIn only, the last").isEqualTo(1);
        assertThat(rm.count("/TransOut")).isEqualTo(1);
    }

    @Test
    void tccWritesItsLastConfirmWithTheFinalStatus() {
        String gid = gid();
        prepareTccTransfer(gid);
        assertThat(submit(Map.of("gid", gid, "trans_type", "tcc", "wait_result", true)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(count("updateBranches")).as("the first confirm alone").isEqualTo(1);
    }

    @Test
    void aMsgWritesItsLastBranchWithTheFinalStatus() {
        String gid = gid();
        Map<String, Object> msg = Map.of("gid", gid, "trans_type", "msg", "wait_result", true,
                "steps", List.of(Map.of("action", url("/TransOut")), Map.of("action", url("/TransIn"))),
                "payloads", List.of("{\"amount\":30}", "{\"amount\":30}"));
        assertThat(submit(msg).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(branchStatuses(gid)).containsExactly("succeed", "succeed");
        assertThat(count("updateBranches")).as("TransOut alone").isEqualTo(1);
    }
}
