package io.jdtm.spring.testapp;

import io.jdtm.spring.BranchContext;
import io.jdtm.spring.DtmBarrier;
import io.jdtm.spring.SpringBarrier;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Business writes behind the barrier, in each shape the starter supports: {@link SpringBarrier} inside a
 * {@code @Transactional} method, {@link SpringBarrier} with no transaction around it, and {@link DtmBarrier}.
 * Present only when the test gives the application a database ({@code test.schema}).
 */
@Service
@ConditionalOnProperty("test.schema")
public class Accounts {

    private final ObjectProvider<JdbcTemplate> jdbc;
    private final ObjectProvider<SpringBarrier> barrier;
    private final String schema;

    Accounts(ObjectProvider<JdbcTemplate> jdbc, ObjectProvider<SpringBarrier> barrier,
            @Value("${test.schema}") String schema) {
        this.jdbc = jdbc;
        this.barrier = barrier;
        this.schema = schema;
    }

    /** Adds {@code delta} behind the barrier in this method's transaction, then fails when asked to. */
    @Transactional
    public boolean adjustInTransaction(BranchContext branch, int id, long delta, boolean failAfter) {
        boolean ran = barrier.getObject().run(branch, () -> adjust(id, delta));
        if (failAfter) {
            throw new IllegalStateException("business failed after the barrier insert");
        }
        return ran;
    }

    /** The barrier starts the transaction itself. */
    public boolean adjustWithoutTransaction(BranchContext branch, int id, long delta) {
        return barrier.getObject().run(branch, () -> adjust(id, delta));
    }

    @DtmBarrier
    @Transactional
    public void adjustAnnotated(BranchContext branch, int id, long delta, boolean failAfter) {
        adjust(id, delta);
        if (failAfter) {
            throw new IllegalStateException("annotated business failed after its write");
        }
    }

    /** No {@code @Transactional}: the advice starts the transaction; a checked exception must still roll back. */
    @DtmBarrier
    public void adjustAnnotatedChecked(BranchContext branch, int id, long delta) throws IOException {
        adjust(id, delta);
        throw new IOException("checked business failure");
    }

    public long balance(int id) {
        Long b = jdbc.getObject().queryForObject("select balance from " + schema + ".account where id = ?",
                Long.class, id);
        return b == null ? -1 : b;
    }

    /** Barrier rows of a gid. */
    public int barrierRows(String gid) {
        Integer n = jdbc.getObject().queryForObject("select count(*) from " + schema + ".barrier where gid = ?",
                Integer.class, gid);
        return n == null ? -1 : n;
    }

    private void adjust(int id, long delta) {
        int n = jdbc.getObject().update("update " + schema + ".account set balance = balance + ? where id = ?",
                delta, id);
        if (n != 1) {
            throw new IllegalStateException("no account " + id);
        }
    }
}
