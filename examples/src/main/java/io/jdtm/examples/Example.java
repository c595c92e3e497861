package io.jdtm.examples;

import java.util.List;

/** One runnable quick start: a transfer of 30 from user 1 to user 2 in one transaction mode. */
public interface Example {

    /** Every example, in the order {@code ./examples/run all} runs them. */
    List<Example> ALL = List.of(new SagaExample(), new TccExample(), new MsgExample(), new XaExample(),
            new WorkflowExample(), new GrpcSagaExample(), new GrpcTccExample());

    /**
     * The name on the command line: {@code saga}, {@code tcc}, {@code msg}, {@code xa}, {@code workflow},
     * {@code grpc-saga}, {@code grpc-tcc}.
     */
    String name();

    /**
     * Runs the transfer once and reports the final state. {@code failureVariant} makes one participant refuse, so the
     * run shows the rollback; the example prints every step as it happens.
     */
    Outcome run(ExampleContext ctx, boolean failureVariant);
}
