package io.jdtm.client;

import io.jdtm.client.internal.Wire;
import io.jdtm.protocol.TransType;
import java.util.List;

/** The prepare → body → submit-or-abort frame shared by TCC and XA (spec §12.5, §12.6). */
final class GlobalTransactions {
    private GlobalTransactions() {}

    interface Body {
        void run() throws Exception;
    }

    static void run(Transport t, String gid, TransType type, TransactionOptions o, boolean sendReason, Body body) {
        t.prepare(Wire.simple(gid, type, o), List.of());
        try {
            body.run();
        } catch (Throwable e) {
            try {
                String reason = sendReason ? String.valueOf(e.getMessage()) : null;
                t.abort(Wire.request(gid, type, o, null, null, null, null, reason, null));
            } catch (RuntimeException abortFailed) {
                // the TM times the transaction out and rolls it back anyway; keep the business error in front
                e.addSuppressed(abortFailed);
            }
            throw rethrow(e, type + " transaction body failed and the transaction was aborted: " + e, gid);
        }
        t.submit(Wire.simple(gid, type, o), List.of());
    }

    /** Unchecked throwables pass through unchanged; checked ones become a FAILURE carrying the gid. */
    static RuntimeException rethrow(Throwable e, String message, String gid) {
        if (e instanceof RuntimeException re) {
            return re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return new DtmFailureException(message, gid, e);
    }
}
