package io.jdtm.server.branch;

import io.jdtm.protocol.Outcome;

/**
 * The decoded answer of a branch call, with a short text for logs, failure reasons, the alert webhook and the
 * attempt history.
 *
 * @param code the HTTP status ({@code "409"}) or the gRPC code name ({@code "ABORTED"}) of the answer; empty when
 *        no answer came back (a refused connection, a timeout, a call never made)
 * @param refused the call was not made: the {@link DestinationPolicy} refused its destination; always an
 *     {@link Outcome#ERROR}, retried like any other, whose detail names the policy's rule
 */
public record BranchResult(Outcome outcome, String detail, String code, boolean refused) {
    public static final BranchResult EMPTY_URL_SUCCESS = new BranchResult(Outcome.SUCCESS, "", "");

    public BranchResult {
        detail = detail == null ? "" : detail;
        code = code == null ? "" : code;
    }

    /** A result of a call that was made. */
    public BranchResult(Outcome outcome, String detail, String code) {
        this(outcome, detail, code, false);
    }

    /** A result with no answer code. */
    public BranchResult(Outcome outcome, String detail) {
        this(outcome, detail, "", false);
    }

    /** A call the destination policy refused, as a retryable error; {@code why} names the rule. */
    public static BranchResult refused(String why) {
        return new BranchResult(Outcome.ERROR, why, "", true);
    }

    public boolean isSuccess() {
        return outcome == Outcome.SUCCESS;
    }
}
