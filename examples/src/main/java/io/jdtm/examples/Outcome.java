package io.jdtm.examples;

import io.jdtm.protocol.TransStatus;
import java.util.List;

/**
 * What one example run ended with, as the TM and the database report it.
 *
 * @param gid the global transaction
 * @param status its final status at the TM
 * @param rollbackReason why it rolled back, {@code ""} when it did not
 * @param balances the balances of user 1 and user 2 afterwards
 */
public record Outcome(String gid, TransStatus status, String rollbackReason, List<Integer> balances) {

    /** The result every example expects: success moves 30, failure leaves both users untouched. */
    public boolean asExpected(boolean failureVariant) {
        return failureVariant
                ? status == TransStatus.FAILED && balances.equals(List.of(100, 100))
                : status == TransStatus.SUCCEED && balances.equals(List.of(70, 130));
    }
}
