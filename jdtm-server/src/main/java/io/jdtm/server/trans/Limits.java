package io.jdtm.server.trans;

import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.store.TransBranch;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What one transaction may hold (config {@code MaxSteps}, {@code MaxBranches}, {@code MaxPayloadBytes},
 * {@code MaxHeaderBytes}), checked before anything is stored, so one hostile request cannot make the TM keep — and
 * later load, on every pass — an unbounded transaction. A refusal is a {@link DtmException#tooLarge} (HTTP 413, gRPC
 * RESOURCE_EXHAUSTED) naming the limit and its key.
 */
final class Limits {
    private final ServerConfig c;

    Limits(ServerConfig c) {
        this.c = c;
    }

    void checkSteps(int steps) {
        if (steps > c.maxSteps()) {
            throw DtmException.tooLarge("the transaction has " + steps + " steps; at most " + c.maxSteps()
                    + " are allowed (MaxSteps)");
        }
    }

    void checkHeaders(Map<String, String> headers) {
        long bytes = 0;
        for (var e : headers.entrySet()) {
            bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length
                    + (e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length);
        }
        if (bytes > c.maxHeaderBytes()) {
            throw DtmException.tooLarge("branch_headers hold " + bytes + " bytes; at most " + c.maxHeaderBytes()
                    + " are allowed (MaxHeaderBytes)");
        }
    }

    /** New branch rows, with {@code existing} rows the transaction holds already. */
    void checkBranches(List<TransBranch> rows, int existing) {
        int total = existing + rows.size();
        if (total > c.maxBranches()) {
            throw DtmException.tooLarge("the transaction would hold " + total + " branches; at most "
                    + c.maxBranches() + " are allowed (MaxBranches)");
        }
        for (TransBranch b : rows) {
            int size = b.binData() == null ? 0 : b.binData().length;
            if (size > c.maxPayloadBytes()) {
                throw DtmException.tooLarge("the payload of branch " + b.branchId() + " is " + size
                        + " bytes; at most " + c.maxPayloadBytes() + " are allowed (MaxPayloadBytes)");
            }
        }
    }
}
