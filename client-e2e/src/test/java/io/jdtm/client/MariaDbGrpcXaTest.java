package io.jdtm.client;

import static io.jdtm.protocol.BranchStatus.PREPARED;
import static io.jdtm.protocol.BranchStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.testing.Backends;
import io.jdtm.client.testing.GrpcBankRm;
import io.jdtm.client.testing.grpc.BusiReq;
import io.jdtm.protocol.TransStatus;
import io.jdtm.testing.JdtmTest;
import io.jdtm.testing.JdtmTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mariadb.jdbc.MariaDbDataSource;

/**
 * XA over gRPC end to end (spec §12.8, DTM's {@code XaGlobalTransaction}/{@code XaLocalTransaction} of dtmgrpc): the
 * AP's {@link Xa#callBranch(com.google.protobuf.MessageLite, String, com.google.protobuf.MessageLite)} → gRPC
 * methods of {@link GrpcBankRm} that run {@link XaLocal#handle} with {@code BranchContext.toQuery()} over MariaDB's
 * JDBC XA, registering themselves over gRPC → the real jdtm server commits or rolls back by calling the same methods
 * with {@code dtm-op} commit/rollback. (PostgreSQL works the same once {@code max_prepared_transactions > 0}; the HTTP
 * flavour's PostgresXaTest covers that database's XA.)
 */
@JdtmTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MariaDbGrpcXaTest {
    private static final BusiReq REQ = BusiReq.newBuilder().setAmount(30).build();

    private HikariDataSource ds;
    private GrpcBankRm bank;
    /** Set by {@link JdtmTest}: the real jdtm server, in-process. */
    private JdtmTestServer tm;
    private DtmClient dtm;

    @BeforeAll
    void start() throws Exception {
        ds = Backends.mariadb();
        bank = new GrpcBankRm(ds, BarrierDialect.MYSQL);
        dtm = DtmClient.builder().grpcTarget(tm.grpcTarget()).serverUrl(tm.dtmUrl()).build();
        MariaDbDataSource xa = new MariaDbDataSource(Backends.MARIADB_URL);
        xa.setUser("root");
        xa.setPassword("");
        bank.enableXa(dtm.xaLocal(xa));
    }

    @AfterAll
    void stop() {
        if (dtm != null) {
            dtm.close();
        }
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
    void xaOverGrpcCommitsEveryBranch() {
        String gid = dtm.newGid();
        dtm.xa(gid, xa -> {
            xa.callBranch(REQ, bank.url("TransOutXa"), Empty.getDefaultInstance());
            xa.callBranch(REQ, bank.url("TransInXa"), Empty.getDefaultInstance());
        });
        TransInfo t = tm.awaitStatus(gid, TransStatus.SUCCEED);
        assertThat(t.branches()).extracting(TransInfo.Branch::url).containsOnly(bank.url("TransOutXa"),
                bank.url("TransInXa"));
        assertThat(t.branchStatuses()).containsExactly(PREPARED, SUCCEED, PREPARED, SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(bank.callsOf(gid)).containsExactlyInAnyOrder("TransOutXa:action", "TransInXa:action",
                "TransOutXa:commit", "TransInXa:commit");
    }

    @Test
    void xaOverGrpcRollsBackThePreparedBranchWhenALaterOneRefuses() {
        bank.fail("TransInXa");
        String gid = dtm.newGid();
        assertThatThrownBy(() -> dtm.xa(gid, xa -> {
            xa.callBranch(REQ, bank.url("TransOutXa"), Empty.getDefaultInstance());
            xa.callBranch(REQ, bank.url("TransInXa"), Empty.getDefaultInstance());
        })).isInstanceOf(DtmFailureException.class).hasMessageContaining("Insufficient balance");
        TransInfo t = tm.awaitStatus(gid, TransStatus.FAILED);
        assertThat(t.branchStatuses()).containsExactly(SUCCEED, PREPARED); // only the registered branch, rolled back
        assertThat(bank.balances()).containsExactly(100, 100);
        assertThat(bank.callsOf(gid)).contains("TransOutXa:rollback");
    }
}
