package io.jdtm.server.branch;

import io.jdtm.protocol.Outcome;

/** The decoded answer of a branch call, with a short text for logs, failure reasons and the alert webhook. */
public record BranchResult(Outcome outcome, String detail) {
    public static final BranchResult EMPTY_URL_SUCCESS = new BranchResult(Outcome.SUCCESS, "");

    public boolean isSuccess() {
        return outcome == Outcome.SUCCESS;
    }
}
