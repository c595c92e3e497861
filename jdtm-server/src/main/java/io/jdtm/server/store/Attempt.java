package io.jdtm.server.store;

import io.jdtm.protocol.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * One branch call the TM made, as kept in the attempt history (docs/storage.md, "Attempt history"): which branch,
 * when, how long, what came back, and the retry the pass decided after it. Immutable.
 *
 * @param gid the transaction
 * @param branchId the branch id ({@code 00} for a msg's QueryPrepared check and a workflow's callback)
 * @param op the op ({@code action}, {@code compensate}, {@code try}, {@code confirm}, {@code cancel}, {@code msg},
 *        a workflow's name)
 * @param attempt 1 for the first call of this (branch_id, op), counted by the store; 0 on an attempt not yet
 *        stored
 * @param start when the call started (milliseconds)
 * @param latencyMillis how long the call took
 * @param outcome SUCCESS, FAILURE, ONGOING or ERROR (no answer, a timeout, anything else the TM retries)
 * @param code the HTTP status ({@code 200}, {@code 409}, …) or the gRPC code ({@code ABORTED}, …); empty when no
 *        answer came back
 * @param answer the first bytes of the answer or of the error, at most {@link #MAX_ANSWER_BYTES} bytes of UTF-8
 * @param nextTry when the pass decided to try again, or null when it decided nothing (a success, a definitive
 *        failure, a transaction that finished)
 * @param intervalSeconds the retry interval the pass chose with {@code nextTry} (0 when none)
 */
public record Attempt(String gid, String branchId, String op, int attempt, Instant start, long latencyMillis,
        Outcome outcome, String code, String answer, Instant nextTry, long intervalSeconds) {

    /** The bound of {@link #answer}: 1 KB of UTF-8. */
    public static final int MAX_ANSWER_BYTES = 1024;

    public Attempt {
        Objects.requireNonNull(gid, "gid");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(outcome, "outcome");
        branchId = branchId == null ? "" : branchId;
        op = op == null ? "" : op;
        code = code == null ? "" : code;
        answer = bound(answer);
    }

    /** This attempt with the retry decision of its pass. */
    public Attempt withRetry(Instant next, long interval) {
        return new Attempt(gid, branchId, op, attempt, start, latencyMillis, outcome, code, answer, next, interval);
    }

    /** This attempt with the number the store counted. */
    public Attempt withAttempt(int n) {
        return new Attempt(gid, branchId, op, n, start, latencyMillis, outcome, code, answer, nextTry,
                intervalSeconds);
    }

    /**
     * {@code s} cut to at most {@link #MAX_ANSWER_BYTES} bytes of UTF-8, at a character boundary, NUL characters
     * replaced; "" for null.
     */
    public static String bound(String s) {
        if (s == null) {
            return "";
        }
        if (s.indexOf('\0') >= 0) {
            s = s.replace('\0', '\uFFFD'); // PostgreSQL text cannot hold NUL
        }
        // at most 3 bytes per UTF-16 unit: short strings need no encoding
        if (s.length() * 3 <= MAX_ANSWER_BYTES) {
            return s;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_ANSWER_BYTES) {
            return s;
        }
        int end = MAX_ANSWER_BYTES;
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--; // b[end] continues a character: cut before that character starts
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }
}
