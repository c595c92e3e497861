package io.jdtm.spring;

import io.jdtm.client.BranchBarrier;
import io.jdtm.client.DtmDuplicatedException;
import io.jdtm.client.DtmFailureException;
import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * DTM's branch barrier (spec §9) inside the Spring transaction: the barrier rows are inserted on the connection the
 * current transaction holds for the application's {@code DataSource} — the one {@code JdbcTemplate}, JPA and
 * {@code DataSourceUtils} use — so they and the business writes commit or roll back together. Called outside a
 * transaction it starts one ({@code PROPAGATION_REQUIRED}).
 *
 * <pre>{@code
 * @Transactional
 * public void transOut(BranchContext branch, long amount) {
 *     barrier.run(branch, () -> jdbc.update("update account set balance = balance - ? where id = 1", amount));
 * }
 * }</pre>
 *
 * <p>Any exception from the business code rolls the transaction back, barrier rows included, and propagates
 * unchanged: throw {@link DtmFailureException} to answer FAILURE. The auto-configuration makes one bean when the
 * application has a single {@code DataSource} and transaction manager; it is stateless and thread-safe.
 */
public final class SpringBarrier {

    private final DataSource dataSource;
    private final TransactionTemplate transactions;

    /**
     * @param dataSource the database of the business tables and the barrier table
     * @param transactionManager a transaction manager that manages {@code dataSource} (a
     *     {@code DataSourceTransactionManager}, {@code JdbcTransactionManager} or {@code JpaTransactionManager})
     */
    public SpringBarrier(DataSource dataSource, PlatformTransactionManager transactionManager) {
        if (dataSource == null || transactionManager == null) {
            throw new IllegalArgumentException("SpringBarrier needs a DataSource and a PlatformTransactionManager");
        }
        this.dataSource = dataSource;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    /**
     * Runs {@code business} behind the request's barrier, in the current transaction (or a new one). Returns
     * {@code false} without running it for a repeated request, a compensation whose action never ran (null
     * compensation) and an action arriving after its compensation (hanging action) — each a success for the TM.
     *
     * @return whether {@code business} ran
     * @throws DtmDuplicatedException op {@code msg} and the barrier row exists
     * @throws RuntimeException whatever {@code business} threw, after the transaction was rolled back (or marked
     *     rollback-only when the caller's transaction owns the commit)
     */
    public boolean run(BranchContext branch, Runnable business) {
        if (branch == null) {
            throw new IllegalArgumentException("branch context must not be null");
        }
        return run(branch.barrier(), business);
    }

    /**
     * {@link #run(BranchContext, Runnable)} with a barrier built elsewhere, for example
     * {@code io.jdtm.client.grpc.BranchContext.current().barrier()} in a gRPC branch. Use one barrier per request.
     */
    public boolean run(BranchBarrier barrier, Runnable business) {
        if (barrier == null || business == null) {
            throw new IllegalArgumentException("barrier and business must not be null");
        }
        Boolean ran = transactions.execute(status -> {
            Connection c = DataSourceUtils.getConnection(dataSource);
            try {
                if (!DataSourceUtils.isConnectionTransactional(c, dataSource)) {
                    throw new IllegalStateException("the transaction manager does not manage this DataSource: the "
                            + "barrier rows would commit apart from the business writes; give SpringBarrier the "
                            + "DataSource that the transaction manager manages");
                }
                boolean[] done = {false};
                barrier.call(c, tx -> {
                    business.run();
                    done[0] = true;
                });
                return done[0];
            } finally {
                DataSourceUtils.releaseConnection(c, dataSource);
            }
        });
        return Boolean.TRUE.equals(ran);
    }
}
