package io.jdtm.testing;

import static io.jdtm.protocol.BranchStatus.FAILED;
import static io.jdtm.protocol.BranchStatus.PREPARED;
import static io.jdtm.protocol.BranchStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdtm.client.DtmClient;
import io.jdtm.client.TransInfo;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.scenario.FakeRm;
import io.jdtm.server.scenario.FakeRm.Reply;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * What a user's test does with {@code @JdtmTest}: sagas through the injected {@link DtmClient} against a real
 * business service ({@link FakeRm}), awaited on the injected server; and what the user reads when one fails.
 */
@JdtmTest
class JdtmTestServerTest {
    private static final Map<String, Integer> AMOUNT = Map.of("amount", 30);
    private static final FakeRm rm = FakeRm.start();

    /** Set by the extension. */
    private JdtmTestServer tm;

    @AfterAll
    static void stopRm() {
        rm.close();
    }

    private String saga(DtmClient dtm, String gid) {
        dtm.saga(gid)
                .add(rm.url("/TransOut"), rm.url("/TransOutRevert"), AMOUNT)
                .add(rm.url("/TransIn"), rm.url("/TransInRevert"), AMOUNT)
                .submit();
        return gid;
    }

    @Test
    void aSagaThroughTheInjectedClientSucceeds(JdtmTestServer server, DtmClient dtm) {
        String gid = saga(dtm, "jt-succeed-" + System.nanoTime());

        TransInfo t = server.awaitStatus(gid, TransStatus.SUCCEED);

        assertThat(t.transType()).isEqualTo("saga");
        assertThat(t.branchStatuses()).containsExactly(PREPARED, SUCCEED, PREPARED, SUCCEED);
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn");
        assertThat(dtm.serverUrl()).isEqualTo(server.dtmUrl()).startsWith("http://127.0.0.1:");
        assertThat(server.grpcTarget()).isEqualTo("127.0.0.1:" + server.grpcPort());
        assertThat(tm).as("the field holds the parameter's server").isSameAs(server);
    }

    @Test
    void aFailedBranchRollsTheSagaBack() {
        String gid = "jt-rollback-" + System.nanoTime();
        rm.script("/TransIn", Reply.FAILURE);

        saga(tm.client(), gid);

        TransInfo t = tm.awaitStatus(gid, TransStatus.FAILED);
        // DTM compensates the failed step too (it may have half-applied), then the steps before it
        assertThat(t.branchStatuses()).containsExactly(SUCCEED, SUCCEED, SUCCEED, FAILED);
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransInRevert", "/TransOutRevert");
    }

    @Test
    void runPollerRetriesABranchThatFailedWithAnError() {
        String gid = "jt-retry-" + System.nanoTime();
        rm.script("/TransIn", Reply.ERROR);
        saga(tm.client(), gid);
        // the background poller is off: the saga waits for its next attempt, one RetryInterval (10 s) later...
        await().until(() -> rm.pathsFor(gid).size() == 2);
        assertThat(tm.awaitStatus(gid, TransStatus.SUBMITTED).status()).isEqualTo(TransStatus.SUBMITTED);

        // ...unless the test runs a poller round that looks that far ahead (once the first pass let go of it)
        await().until(() -> tm.runPoller(Duration.ofMinutes(1)) == 1);

        tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(rm.pathsFor(gid)).containsExactly("/TransOut", "/TransIn", "/TransIn");
    }

    @Test
    void aWrongFinalStatusFailsAtOnceNamingTheStatusAndEveryBranch() {
        String gid = "jt-wrong-" + System.nanoTime();
        rm.script("/TransIn", Reply.FAILURE);
        saga(tm.client(), gid);

        long start = System.nanoTime();
        assertThatThrownBy(() -> tm.awaitStatus(gid, TransStatus.SUCCEED, Duration.ofSeconds(30)))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageStartingWith("transaction '" + gid + "' ended failed, expected succeed (saga)")
                .hasMessageContaining("rollback reason: ")
                .hasMessageContaining("branches (branch_id op status url):\n"
                        + "    01 compensate succeed " + rm.url("/TransOutRevert") + "\n"
                        + "    01 action succeed " + rm.url("/TransOut") + "\n"
                        + "    02 compensate succeed " + rm.url("/TransInRevert") + "\n"
                        + "    02 action failed " + rm.url("/TransIn"))
                .satisfies(e -> {
                    AssertionFailedError f = (AssertionFailedError) e;
                    assertThat(f.getExpected().getValue()).isEqualTo(TransStatus.SUCCEED);
                    assertThat(f.getActual().getValue()).isEqualTo(TransStatus.FAILED);
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no wait for the timeout")
                .isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aTimeoutSaysWhereTheTransactionStands() {
        String gid = "jt-stuck-" + System.nanoTime();
        rm.script("/TransIn", Reply.ERROR);
        saga(tm.client(), gid);

        assertThatThrownBy(() -> tm.awaitStatus(gid, TransStatus.SUCCEED, Duration.ofMillis(300)))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageStartingWith("transaction '" + gid + "' did not reach succeed within 300 ms: it is still"
                        + " submitted (saga)")
                .hasMessageContaining("    02 action prepared " + rm.url("/TransIn"));
    }

    @Test
    void anUnknownGidIsReportedAsNotSubmittedHere() {
        assertThatThrownBy(() -> tm.awaitStatus("jt-never", TransStatus.SUCCEED, Duration.ofMillis(100)))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessage("transaction 'jt-never' is unknown to the jdtm test server at " + tm.dtmUrl()
                        + " (waited 100 ms): was it submitted to this server?");
        assertThat(tm.query("jt-never")).isEmpty();
    }
}
