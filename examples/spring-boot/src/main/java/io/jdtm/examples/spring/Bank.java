package io.jdtm.examples.spring;

import io.jdtm.client.DtmFailureException;
import io.jdtm.spring.BranchContext;
import io.jdtm.spring.DtmBarrier;
import io.jdtm.spring.SpringBarrier;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The bank's business, one {@code @Transactional} method per branch, each behind the branch barrier in the same
 * transaction: a repeated call, a compensation whose action never ran and an action arriving after its compensation
 * change nothing, and the barrier row commits or rolls back with the balance update. The saga branches use
 * {@link DtmBarrier}; the TCC branches call {@link SpringBarrier} — the two ways the starter offers.
 */
@Service
public class Bank {
    public static final int PAYER = 1;
    public static final int PAYEE = 2;

    private final JdbcTemplate jdbc;
    private final SpringBarrier barrier;
    private final String accounts;

    Bank(JdbcTemplate jdbc, SpringBarrier barrier, @Value("${bank.schema}") String schema) {
        this.jdbc = jdbc;
        this.barrier = barrier;
        this.accounts = schema + ".user_account";
    }

    // saga: the action moves money, the compensation moves it back

    @DtmBarrier
    @Transactional
    public void transOut(BranchContext branch, Transfer t) {
        adjust(PAYER, -t.amount());
    }

    @DtmBarrier
    @Transactional
    public void transOutCompensate(BranchContext branch, Transfer t) {
        adjust(PAYER, t.amount());
    }

    @DtmBarrier
    @Transactional
    public void transIn(BranchContext branch, Transfer t) {
        t.refuseIfAsked();
        adjust(PAYEE, t.amount());
    }

    @DtmBarrier
    @Transactional
    public void transInCompensate(BranchContext branch, Transfer t) {
        adjust(PAYEE, -t.amount());
    }

    // tcc: Try reserves (frozen), Confirm books, Cancel releases

    @Transactional
    public void transOutTry(BranchContext branch, Transfer t) {
        barrier.run(branch, () -> freeze(PAYER, t.amount()));
    }

    @Transactional
    public void transOutConfirm(BranchContext branch, Transfer t) {
        barrier.run(branch, () -> {
            freeze(PAYER, -t.amount());
            adjust(PAYER, -t.amount());
        });
    }

    @Transactional
    public void transOutCancel(BranchContext branch, Transfer t) {
        barrier.run(branch, () -> freeze(PAYER, -t.amount()));
    }

    @Transactional
    public void transInTry(BranchContext branch, Transfer t) {
        barrier.run(branch, t::refuseIfAsked);
    }

    @Transactional
    public void transInConfirm(BranchContext branch, Transfer t) {
        barrier.run(branch, () -> adjust(PAYEE, t.amount()));
    }

    @Transactional
    public void transInCancel(BranchContext branch, Transfer t) {
        barrier.run(branch, () -> { });
    }

    /** Balances of user 1 and user 2. */
    public List<Integer> balances() {
        return jdbc.queryForList("select balance from " + accounts + " order by user_id", Integer.class);
    }

    /** Frozen amounts of user 1 and user 2. */
    public List<Integer> frozen() {
        return jdbc.queryForList("select frozen from " + accounts + " order by user_id", Integer.class);
    }

    /** Moves {@code delta} on a balance; refuses to go below zero (FAILURE: the saga rolls back). */
    private void adjust(int user, int delta) {
        if (jdbc.update("update " + accounts + " set balance = balance + ? where user_id = ? and balance + ? >= 0",
                delta, user, delta) == 0) {
            throw new DtmFailureException("insufficient balance of user " + user);
        }
    }

    private void freeze(int user, int delta) {
        if (jdbc.update("update " + accounts + " set frozen = frozen + ? where user_id = ? and balance - frozen - ? >= 0",
                delta, user, delta) == 0) {
            throw new DtmFailureException("insufficient balance of user " + user + " to reserve " + delta);
        }
    }
}
