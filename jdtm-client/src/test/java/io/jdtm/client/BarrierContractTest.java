package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The barrier's contract (spec §9.2, §9.3) against a real database; each engine subclasses it. Business effects are
 * real rows in an {@code account} table next to the barrier table, in a schema unique to the run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BarrierContractTest {

    protected HikariDataSource ds;
    protected String schema;
    protected String table;
    private String gid;

    protected abstract HikariDataSource openDataSource();

    protected abstract BarrierDialect dialect();

    @BeforeAll
    void createSchema() throws SQLException {
        ds = openDataSource();
        schema = io.jdtm.client.testing.Backends.uniqueSchema("jdtm_sdk_barrier");
        table = schema + ".barrier";
        BarrierSchema.create(ds, dialect(), table);
        BarrierSchema.create(ds, dialect(), table); // idempotent
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("create table " + schema + ".account (id int primary key, balance int not null)");
        }
    }

    @AfterAll
    void dropSchema() {
        if (ds != null) {
            io.jdtm.client.testing.Backends.dropSchema(ds, schema, dialect() == BarrierDialect.POSTGRES);
            ds.close();
        }
    }

    @BeforeEach
    void resetAccount() throws SQLException {
        gid = "gid-" + UUID.randomUUID();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("delete from " + schema + ".account");
            st.execute("insert into " + schema + ".account values (1, 100)");
        }
    }

    private BranchBarrier barrier(String transType, String op) {
        return BranchBarrier.of(transType, gid, "01", op).withTable(table);
    }

    private BranchBarrier.Business add(int amount, AtomicInteger runs) {
        return tx -> {
            runs.incrementAndGet();
            try (PreparedStatement st = tx.prepareStatement(
                    "update " + schema + ".account set balance = balance + ? where id = 1")) {
                st.setInt(1, amount);
                st.executeUpdate();
            }
        };
    }

    private int balance() throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select balance from " + schema + ".account where id = 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private List<String> barrierRows() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement(
                "select branch_id, op, barrier_id, reason from " + table + " where gid = ? order by id")) {
            st.setString(1, gid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3) + "/" + rs.getString(4));
                }
            }
        }
        return rows;
    }

    @Test
    void dialectIsDetectedFromTheConnection() throws SQLException {
        try (Connection c = ds.getConnection()) {
            assertThat(BarrierDialect.of(c)).isEqualTo(dialect());
        }
    }

    @Test
    void duplicateRequestRunsTheBusinessOnce() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        barrier("saga", "action").callWithDataSource(ds, add(-30, runs));
        barrier("saga", "action").callWithDataSource(ds, add(-30, runs)); // the TM retried: a new request
        assertThat(runs).hasValue(1);
        assertThat(balance()).isEqualTo(70);
        assertThat(barrierRows()).containsExactly("01/action/01/action");
    }

    @Test
    void normalTryThenCancelRunsBoth() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        barrier("tcc", "try").callWithDataSource(ds, add(-30, runs));
        barrier("tcc", "cancel").callWithDataSource(ds, add(30, runs));
        assertThat(runs).hasValue(2);
        assertThat(balance()).isEqualTo(100);
    }

    @Test
    void nullCompensationSkipsTheBusinessAndBlocksTheLateTry() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        // cancel arrives first (the try was lost or is still on its way)
        barrier("tcc", "cancel").callWithDataSource(ds, add(30, runs));
        assertThat(runs).hasValue(0);
        assertThat(barrierRows()).containsExactly("01/try/01/cancel", "01/cancel/01/cancel");
        // the hanging try arrives after the cancel: it succeeds but does nothing
        barrier("tcc", "try").callWithDataSource(ds, add(-30, runs));
        assertThat(runs).hasValue(0);
        assertThat(balance()).isEqualTo(100);
    }

    @Test
    void sagaCompensationBeforeActionIsANullCompensation() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        barrier("saga", "compensate").callWithDataSource(ds, add(30, runs));
        barrier("saga", "action").callWithDataSource(ds, add(-30, runs));
        assertThat(runs).hasValue(0);
        assertThat(balance()).isEqualTo(100);
    }

    @Test
    void failingBusinessRollsBackTheBarrierRowSoARetryRunsAgain() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> barrier("saga", "action").callWithDataSource(ds, tx -> {
            add(-30, runs).run(tx);
            throw new DtmFailureException("Insufficient balance");
        })).isInstanceOf(DtmFailureException.class).hasMessage("Insufficient balance");
        assertThat(balance()).isEqualTo(100);
        assertThat(barrierRows()).isEmpty();

        assertThatThrownBy(() -> barrier("saga", "action").callWithDataSource(ds, tx -> {
            throw new SQLException("checked");
        })).isInstanceOf(DtmUnknownException.class).hasCauseInstanceOf(SQLException.class);

        barrier("saga", "action").callWithDataSource(ds, add(-30, runs));
        assertThat(runs).hasValue(2);
        assertThat(balance()).isEqualTo(70);
    }

    @Test
    void twoCallsOnOneBarrierUseIds01And02AndARetryReusesThem() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        for (int attempt = 0; attempt < 2; attempt++) {
            BranchBarrier b = barrier("saga", "action");
            b.callWithDataSource(ds, add(-10, runs));
            b.callWithDataSource(ds, add(-5, runs));
        }
        assertThat(runs).hasValue(2);
        assertThat(balance()).isEqualTo(85);
        assertThat(barrierRows()).containsExactly("01/action/01/action", "01/action/02/action");
    }

    @Test
    void joinsTheCallersTransactionWhenAutoCommitIsOff() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            barrier("saga", "action").call(c, add(-30, runs));
            c.rollback(); // the caller's transaction manager decides
            c.setAutoCommit(true);
        }
        assertThat(runs).hasValue(1);
        assertThat(balance()).isEqualTo(100);
        assertThat(barrierRows()).isEmpty();

        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            barrier("saga", "action").call(c, add(-30, runs));
            c.commit();
            c.setAutoCommit(true);
        }
        assertThat(balance()).isEqualTo(70);
    }

    private BranchBarrier msgBarrier() {
        return BranchBarrier.of("msg", gid, "00", "msg").withTable(table);
    }

    @Test
    void queryPreparedAfterCommitSaysCommitted() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        msgBarrier().callWithDataSource(ds, add(-30, runs));
        msgBarrier().queryPrepared(ds); // no exception: the TM submits
        msgBarrier().queryPrepared(ds); // asking twice gives the same answer
        assertThat(balance()).isEqualTo(70);
    }

    @Test
    void queryPreparedBeforeTheBusinessSaysRollbackAndBlocksIt() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> msgBarrier().queryPrepared(ds)).isInstanceOf(DtmFailureException.class);
        assertThatThrownBy(() -> msgBarrier().callWithDataSource(ds, add(-30, runs)))
                .isInstanceOf(DtmDuplicatedException.class);
        assertThat(runs).hasValue(0);
        assertThat(balance()).isEqualTo(100);
        assertThatThrownBy(() -> msgBarrier().queryPrepared(ds)).isInstanceOf(DtmFailureException.class);
    }

    @Test
    void queryPreparedWhileTheBusinessIsInFlightWaitsForItsOutcome() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch inBusiness = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> business = CompletableFuture.runAsync(() -> msgBarrier().callWithDataSource(ds, tx -> {
            add(-30, runs).run(tx);
            inBusiness.countDown();
            assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
        }));
        assertThat(inBusiness.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> query = CompletableFuture.runAsync(() -> msgBarrier().queryPrepared(ds));
        // the unique key is held by the uncommitted business transaction: the answer must wait for it
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !query.isDone());
        release.countDown();
        business.get(10, TimeUnit.SECONDS);
        query.get(10, TimeUnit.SECONDS); // completes normally: committed
        assertThat(balance()).isEqualTo(70);
    }
}
