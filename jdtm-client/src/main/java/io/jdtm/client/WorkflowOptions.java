package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import java.util.Objects;

/**
 * Options of one registered workflow (spec §7.4, §12.9). Immutable and thread-safe; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code compensateErrorBranch} (default {@code false}): when a forward step of a branch ends in FAILURE, is
 *       that branch's rollback callback still run? {@code false} assumes a definitively refused step had no effect.
 *       Set it when a step may fail after taking effect (for example a handler that turns a timeout into FAILURE).
 *   <li>{@code transactionOptions}: sent with {@code prepareWorkflow} (e.g. {@code retryInterval}, which paces the
 *       TM's resume callbacks); its {@code requestTimeout} and {@code branchHeaders} also apply to the workflow's
 *       recorded HTTP calls ({@link Workflow#post}).
 * </ul>
 */
public final class WorkflowOptions {

    /** Every option at its default. */
    public static final WorkflowOptions DEFAULTS = builder().build();

    private final boolean compensateErrorBranch;
    private final TransactionOptions transactionOptions;

    private WorkflowOptions(Builder b) {
        this.compensateErrorBranch = b.compensateErrorBranch;
        this.transactionOptions = b.transactionOptions;
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean compensateErrorBranch() {
        return compensateErrorBranch;
    }

    public TransactionOptions transactionOptions() {
        return transactionOptions;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkflowOptions w && compensateErrorBranch == w.compensateErrorBranch
                && transactionOptions.equals(w.transactionOptions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(compensateErrorBranch, transactionOptions);
    }

    @Override
    public String toString() {
        return "WorkflowOptions{compensateErrorBranch=" + compensateErrorBranch + ", " + transactionOptions + '}';
    }

    /** Mutable, single-threaded builder. */
    public static final class Builder {
        private boolean compensateErrorBranch;
        private TransactionOptions transactionOptions = TransactionOptions.DEFAULTS;

        private Builder() {}

        public Builder compensateErrorBranch(boolean v) {
            this.compensateErrorBranch = v;
            return this;
        }

        public Builder transactionOptions(TransactionOptions o) {
            this.transactionOptions = Checks.notNull("transactionOptions", o);
            return this;
        }

        public WorkflowOptions build() {
            return new WorkflowOptions(this);
        }
    }
}
