package io.jdtm.client.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.client.BarrierDialect;
import io.jdtm.client.BarrierSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The database side of the test banks ({@link BankRm} over HTTP, {@link GrpcBankRm} over gRPC): a schema of its own
 * in a real database with the barrier table and two accounts, 1 paying and 2 receiving, 100 each after
 * {@link #reset()}. Dropped by {@link #drop()}.
 */
public final class TestAccounts {
    private final HikariDataSource ds;
    private final boolean postgres;
    private final String schema;
    private final String barrierTable;

    public TestAccounts(HikariDataSource ds, BarrierDialect dialect, String schemaPrefix) {
        this.ds = ds;
        this.postgres = dialect == BarrierDialect.POSTGRES;
        this.schema = Backends.uniqueSchema(schemaPrefix);
        this.barrierTable = schema + ".barrier";
        BarrierSchema.create(ds, dialect, barrierTable);
        sql("create table " + schema + ".account (id int primary key, balance int not null)");
        reset();
    }

    public HikariDataSource dataSource() {
        return ds;
    }

    public String barrierTable() {
        return barrierTable;
    }

    /** Balances 100 and 100. */
    public void reset() {
        sql("delete from " + schema + ".account");
        sql("insert into " + schema + ".account values (1, 100), (2, 100)");
    }

    public List<Integer> balances() {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select balance from " + schema + ".account order by id")) {
            rs.next();
            int a = rs.getInt(1);
            rs.next();
            return List.of(a, rs.getInt(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds {@code delta} to {@code account} inside the caller's transaction. */
    public void update(Connection tx, int account, long delta) throws SQLException {
        try (PreparedStatement st = tx.prepareStatement(
                "update " + schema + ".account set balance = balance + ? where id = ?")) {
            st.setLong(1, delta);
            st.setInt(2, account);
            st.executeUpdate();
        }
    }

    public void drop() {
        Backends.dropSchema(ds, schema, postgres);
    }

    private void sql(String s) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute(s);
        } catch (SQLException e) {
            throw new IllegalStateException(s + ": " + e, e);
        }
    }
}
