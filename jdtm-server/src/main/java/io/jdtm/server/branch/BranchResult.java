package io.jdtm.server.branch;

import io.jdtm.protocol.Outcome;

/**
 * The decoded answer of a branch call, with a short text for logs, failure reasons, the alert webhook and the
 * attempt history.
 *
 * @param code the HTTP status ({@code "409"}) or the gRPC code name ({@code "ABORTED"}) of the answer; empty when
 *        no answer came back (a refused connection, a timeout, a call never made)
 */
public record BranchResult(Outcome outcome, String detail, String code) {
    public static final BranchResult EMPTY_URL_SUCCESS = new BranchResult(Outcome.SUCCESS, "", "");

    public BranchResult {
        detail = detail == null ? "" : detail;
        code = code == null ? "" : code;
    }

    /** A result with no answer code. */
    public BranchResult(Outcome outcome, String detail) {
        this(outcome, detail, "");
    }

    public boolean isSuccess() {
        return outcome == Outcome.SUCCESS;
    }
}
