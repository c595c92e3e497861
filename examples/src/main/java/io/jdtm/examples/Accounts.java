package io.jdtm.examples;

import io.jdtm.client.BranchBarrier;
import io.jdtm.client.DtmFailureException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The bank's money: the two accounts of the transfer quick start in {@code <schema>.user_account}, and the business
 * SQL of every branch, run behind the branch barrier. Shared by the HTTP {@link Bank} and the {@link GrpcBank}: they
 * differ only in how a request arrives and how the answer leaves.
 */
final class Accounts {
    static final int PAYER = 1;
    static final int PAYEE = 2;
    static final int INITIAL_BALANCE = 100;

    /** The business of one branch: {@code amount} from the request; may refuse with {@link DtmFailureException}. */
    @FunctionalInterface
    private interface Business {
        void run(Accounts a, Connection tx, int amount) throws SQLException;
    }

    /** Branch name → business. The TransIn forward branches also refuse when the request asks them to. */
    private static final Map<String, Business> BRANCHES = Map.ofEntries(
            // saga (and workflow, msg): the action moves money, the compensation moves it back
            Map.entry("TransOut", (a, tx, amount) -> a.adjust(tx, PAYER, -amount)),
            Map.entry("TransOutCompensate", (a, tx, amount) -> a.adjust(tx, PAYER, amount)),
            Map.entry("TransIn", (a, tx, amount) -> a.adjust(tx, PAYEE, amount)),
            Map.entry("TransInCompensate", (a, tx, amount) -> a.adjust(tx, PAYEE, -amount)),
            // tcc: Try reserves (frozen), Confirm books, Cancel releases
            Map.entry("TransOutTry", (a, tx, amount) -> a.freeze(tx, PAYER, amount)),
            Map.entry("TransOutConfirm", (a, tx, amount) -> {
                a.freeze(tx, PAYER, -amount);
                a.adjust(tx, PAYER, -amount);
            }),
            Map.entry("TransOutCancel", (a, tx, amount) -> a.freeze(tx, PAYER, -amount)),
            Map.entry("TransInTry", (a, tx, amount) -> { }),
            Map.entry("TransInConfirm", (a, tx, amount) -> a.adjust(tx, PAYEE, amount)),
            Map.entry("TransInCancel", (a, tx, amount) -> { }));

    /** The forward TransIn branches, which refuse when the request asks for FAILURE. */
    private static final List<String> REFUSABLE = List.of("TransIn", "TransInTry");

    private final Database db;
    private final String table;

    /** Creates the tables if missing (see {@link Database#prepare}). */
    Accounts(Database db, String schema) {
        this.db = db;
        this.table = schema + ".user_account";
        db.prepare(schema);
    }

    /** The names of the branches {@link #run} knows, e.g. {@code TransOut}, {@code TransInCancel}. */
    static List<String> branches() {
        return BRANCHES.keySet().stream().sorted().toList();
    }

    /**
     * Runs the business of branch {@code name} behind {@code barrier} (repeated calls, null compensations and late
     * actions do nothing). {@code transInFails}: the request asked the TransIn branches to refuse.
     *
     * @throws DtmFailureException the branch refuses (insufficient balance, or asked to)
     */
    void run(String name, BranchBarrier barrier, int amount, boolean transInFails) {
        Business b = BRANCHES.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no branch named " + name);
        }
        barrier.callWithDataSource(db.dataSource(), tx -> {
            if (transInFails && REFUSABLE.contains(name)) {
                throw new DtmFailureException("TransIn refused: the request asked for FAILURE");
            }
            b.run(this, tx, amount);
        });
    }

    DataSource dataSource() {
        return db.dataSource();
    }

    /** Both users back to {@value #INITIAL_BALANCE}, nothing frozen. */
    void reset() {
        sql("delete from " + table);
        sql("insert into " + table + " (user_id, balance, frozen) values (" + PAYER + ", " + INITIAL_BALANCE
                + ", 0), (" + PAYEE + ", " + INITIAL_BALANCE + ", 0)");
    }

    /** The balances of user 1 and user 2. */
    List<Integer> balances() {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select balance from " + table + " order by user_id")) {
            rs.next();
            int a = rs.getInt(1);
            rs.next();
            return List.of(a, rs.getInt(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Moves {@code delta} on a user's balance; refuses to go below zero (FAILURE: insufficient balance). */
    void adjust(Connection tx, int user, int delta) throws SQLException {
        try (PreparedStatement st = tx.prepareStatement("update " + table
                + " set balance = balance + ? where user_id = ? and balance + ? >= 0")) {
            st.setInt(1, delta);
            st.setInt(2, user);
            st.setInt(3, delta);
            if (st.executeUpdate() == 0) {
                throw new DtmFailureException("insufficient balance of user " + user);
            }
        }
    }

    private void freeze(Connection tx, int user, int delta) throws SQLException {
        try (PreparedStatement st = tx.prepareStatement("update " + table
                + " set frozen = frozen + ? where user_id = ? and balance - frozen - ? >= 0")) {
            st.setInt(1, delta);
            st.setInt(2, user);
            st.setInt(3, delta);
            if (st.executeUpdate() == 0) {
                throw new DtmFailureException("insufficient balance of user " + user + " to reserve " + delta);
            }
        }
    }

    private void sql(String s) {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(s);
        } catch (SQLException e) {
            throw new IllegalStateException(s + ": " + e.getMessage(), e);
        }
    }
}
