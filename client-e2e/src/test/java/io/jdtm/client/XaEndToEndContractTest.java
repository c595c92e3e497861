package io.jdtm.client;

import static io.jdtm.protocol.BranchStatus.PREPARED;
import static io.jdtm.protocol.BranchStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.BankRm;
import io.jdtm.protocol.TransStatus;
import io.jdtm.testing.JdtmTest;
import io.jdtm.testing.JdtmTestServer;
import java.util.Map;
import javax.sql.XADataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * XA end to end: the AP's {@link DtmClient#xa} → the real jdtm server → RMs running {@link XaLocal} over a real
 * database's JDBC XA. Subclassed per database.
 */
@JdtmTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class XaEndToEndContractTest {
    private static final Map<String, Integer> AMOUNT = Map.of("amount", 30);

    private HikariDataSource ds;
    private BankRm bank;
    /** Set by {@link JdtmTest}: the real jdtm server, in-process. */
    private JdtmTestServer tm;
    private DtmClient dtm;

    protected abstract HikariDataSource openDataSource();

    protected abstract BarrierDialect dialect();

    protected abstract XADataSource xaDataSource() throws Exception;

    @BeforeAll
    void start() throws Exception {
        ds = openDataSource();
        bank = new BankRm(ds, dialect());
        dtm = tm.client();
        bank.enableXa(dtm.xaLocal(xaDataSource()));
    }

    @AfterAll
    void stop() {
        if (bank != null) {
            bank.close();
        }
        if (ds != null) {
            ds.close();
        }
    }

    @BeforeEach
    void reset() {
        bank.reset();
    }


    @Test
    void xaCommitsEveryBranch() {
        String gid = dtm.newGid();
        dtm.xa(gid, xa -> {
            xa.callBranch(AMOUNT, bank.url() + "/TransOutXa");
            xa.callBranch(AMOUNT, bank.url() + "/TransInXa");
        });
        TransInfo t = tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(t.branches()).extracting(TransInfo.Branch::op)
                .containsExactly("rollback", "commit", "rollback", "commit");
        assertThat(t.branchStatuses()).containsExactly(PREPARED, SUCCEED, PREPARED, SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
    }

    @Test
    void xaRollsBackThePreparedBranchWhenALaterOneFails() {
        bank.fail("/api/TransInXa");
        String gid = dtm.newGid();
        assertThatThrownBy(() -> dtm.xa(gid, xa -> {
            xa.callBranch(AMOUNT, bank.url() + "/TransOutXa");
            xa.callBranch(AMOUNT, bank.url() + "/TransInXa");
        })).isInstanceOf(DtmFailureException.class).hasMessageContaining("Insufficient balance");
        TransInfo t = tm.awaitStatus(gid, TransStatus.FAILED);
        assertThat(t.branchStatuses()).containsExactly(SUCCEED, PREPARED); // only the registered branch, rolled back
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void phase2IsIdempotent() {
        String gid = dtm.newGid();
        dtm.xa(gid, xa -> xa.callBranch(AMOUNT, bank.url() + "/TransOutXa"));
        tm.awaitStatus(gid, TransStatus.SUCCEED);
        // the TM retries a commit whose answer it lost: the unknown xid counts as done
        XaLocal xa = dtm.xaLocal(uncheckedXa()).withBarrierTable(bank.barrierTable());
        xa.handle(Map.of("gid", gid, "branch_id", "01", "op", "commit"), null);
        assertThat(bank.balances()).containsExactly(70, 100);
    }

    private XADataSource uncheckedXa() {
        try {
            return xaDataSource();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
