package io.jdtm.server.trans;

import static io.jdtm.protocol.TransStatus.ABORTING;
import static io.jdtm.protocol.TransStatus.FAILED;
import static io.jdtm.protocol.TransStatus.PREPARED;
import static io.jdtm.protocol.TransStatus.SUBMITTED;
import static io.jdtm.protocol.TransStatus.SUCCEED;

import io.jdtm.protocol.TransStatus;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Every legal change of a global status, in one place (spec §6.14). Anything else is a bug and throws.
 */
final class Transitions {
    private static final Map<TransStatus, Set<TransStatus>> LEGAL = new EnumMap<>(TransStatus.class);

    static {
        // prepared: submit (msg/tcc/xa), abort or timeout (tcc/xa), QueryPrepared FAILURE or abort (msg),
        // workflow submit (succeed/failed), forceStop (failed)
        LEGAL.put(PREPARED, EnumSet.of(SUBMITTED, ABORTING, SUCCEED, FAILED));
        // submitted: done, rollback (saga), forceStop
        LEGAL.put(SUBMITTED, EnumSet.of(SUCCEED, ABORTING, FAILED));
        // aborting: rolled back, forceStop; aborting -> aborting is a repeated abort that may update the reason
        LEGAL.put(ABORTING, EnumSet.of(ABORTING, FAILED));
        LEGAL.put(SUCCEED, EnumSet.noneOf(TransStatus.class));
        LEGAL.put(FAILED, EnumSet.noneOf(TransStatus.class));
    }

    private Transitions() {}

    static boolean isLegal(TransStatus from, TransStatus to) {
        return LEGAL.get(from).contains(to);
    }

    static void check(TransStatus from, TransStatus to) {
        if (!isLegal(from, to)) {
            throw new IllegalStateException("illegal status change " + from + " -> " + to);
        }
    }
}
