package io.jdtm.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.spring.testapp.Accounts;
import io.jdtm.spring.testing.TestApps;
import io.jdtm.spring.testing.TestDatabase;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The barrier inside the Spring transaction, on a real database (subclasses choose it): the barrier rows and the
 * business write commit together and roll back together, whichever way the handler is written, and the barrier
 * absorbs repeated requests, null compensations and hanging actions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SpringBarrierTest {

    private TestDatabase db;
    private ConfigurableApplicationContext app;
    private Accounts accounts;

    abstract TestDatabase.Kind kind();

    @BeforeAll
    void start() {
        db = new TestDatabase(kind());
        app = TestApps.plain(db.springProperties());
        accounts = app.getBean(Accounts.class);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private BranchContext branchOnTestTable(String gid, String op) {
        return BranchContext.fromQuery(Map.of("gid", gid, "trans_type", "saga", "branch_id", "01", "op", op),
                db.schema() + ".barrier");
    }

    private static String gid() {
        return "spring-" + UUID.randomUUID();
    }

    @Test
    void barrierRowAndBusinessWriteCommitTogether() {
        String gid = gid();
        long before = accounts.balance(1);

        assertThat(accounts.adjustInTransaction(branchOnTestTable(gid, "action"), 1, -10, false)).isTrue();

        assertThat(accounts.balance(1)).isEqualTo(before - 10);
        assertThat(accounts.barrierRows(gid)).isEqualTo(1);
    }

    @Test
    void businessFailingAfterTheBarrierInsertRollsBothBackSoTheRetryRuns() {
        String gid = gid();
        long before = accounts.balance(1);

        assertThatThrownBy(() -> accounts.adjustInTransaction(branchOnTestTable(gid, "action"), 1, -10, true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("after the barrier insert");

        assertThat(accounts.balance(1)).as("business write rolled back").isEqualTo(before);
        assertThat(accounts.barrierRows(gid)).as("barrier row rolled back").isZero();
        // the TM retries the branch: had the barrier row stayed, the retry would be taken for a duplicate
        assertThat(accounts.adjustInTransaction(branchOnTestTable(gid, "action"), 1, -10, false)).isTrue();
        assertThat(accounts.balance(1)).isEqualTo(before - 10);
    }

    @Test
    void withoutATransactionTheBarrierStartsOne() {
        String gid = gid();
        long before = accounts.balance(2);

        assertThat(accounts.adjustWithoutTransaction(branchOnTestTable(gid, "action"), 2, 5)).isTrue();

        assertThat(accounts.balance(2)).isEqualTo(before + 5);
        assertThat(accounts.barrierRows(gid)).isEqualTo(1);
    }

    @Test
    void repeatedRequestIsAbsorbed() {
        String gid = gid();
        long before = accounts.balance(1);

        assertThat(accounts.adjustWithoutTransaction(branchOnTestTable(gid, "action"), 1, -7)).isTrue();
        assertThat(accounts.adjustWithoutTransaction(branchOnTestTable(gid, "action"), 1, -7)).isFalse();

        assertThat(accounts.balance(1)).isEqualTo(before - 7);
    }

    @Test
    void nullCompensationAndTheHangingActionAfterItAreAbsorbed() {
        String gid = gid();
        long before = accounts.balance(1);

        assertThat(accounts.adjustWithoutTransaction(branchOnTestTable(gid, "compensate"), 1, +10))
                .as("compensation whose action never ran").isFalse();
        assertThat(accounts.adjustWithoutTransaction(branchOnTestTable(gid, "action"), 1, -10))
                .as("the action arriving after its compensation").isFalse();

        assertThat(accounts.balance(1)).isEqualTo(before);
        assertThat(accounts.barrierRows(gid)).as("compensate row and the action row it blocked").isEqualTo(2);
    }

    @Test
    void annotatedHandlerCommitsOrRollsBackWithItsBarrier() {
        String gid = gid();
        long before = accounts.balance(2);

        assertThatThrownBy(() -> accounts.adjustAnnotated(branchOnTestTable(gid, "action"), 2, 3, true))
                .isInstanceOf(IllegalStateException.class);
        assertThat(accounts.balance(2)).isEqualTo(before);
        assertThat(accounts.barrierRows(gid)).isZero();

        accounts.adjustAnnotated(branchOnTestTable(gid, "action"), 2, 3, false);
        accounts.adjustAnnotated(branchOnTestTable(gid, "action"), 2, 3, false); // repeated: skipped by the advice
        assertThat(accounts.balance(2)).isEqualTo(before + 3);
        assertThat(accounts.barrierRows(gid)).isEqualTo(1);
    }

    @Test
    void checkedExceptionFromAnAnnotatedHandlerRollsBackAndPropagatesUnchanged() {
        String gid = gid();
        long before = accounts.balance(2);

        assertThatThrownBy(() -> accounts.adjustAnnotatedChecked(branchOnTestTable(gid, "action"), 2, 4))
                .isExactlyInstanceOf(IOException.class).hasMessage("checked business failure");

        assertThat(accounts.balance(2)).isEqualTo(before);
        assertThat(accounts.barrierRows(gid)).isZero();
    }
}
