package io.jdtm.examples;

import io.jdtm.client.DtmFailureException;
import io.jdtm.client.Workflow;
import io.jdtm.client.Workflows;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Workflow: the application's own code calls the branches (saga style here: each branch registers its compensation
 * with {@code onRollback}); the TM records each outcome, and calls the application back to resume an unfinished
 * workflow. A refused TransIn rolls back the branches before it, in reverse order.
 */
public final class WorkflowExample implements Example {
    static final String NAME = "transfer";

    @Override
    public String name() {
        return "workflow";
    }

    /** Registers the "transfer" workflow (once per application). */
    static void register(Workflows workflows, String busi) {
        if (workflows.isRegistered(NAME)) {
            return;
        }
        workflows.register(NAME, (Workflow wf, byte[] input) -> {
            String req = new String(input, StandardCharsets.UTF_8);
            wf.newBranch().onRollback(bb -> wf.http("POST", busi + "/TransOutCompensate", Map.of(), req));
            wf.http("POST", busi + "/TransOut", Map.of(), req);
            wf.newBranch().onRollback(bb -> wf.http("POST", busi + "/TransInCompensate", Map.of(), req));
            wf.http("POST", busi + "/TransIn", Map.of(), req);
            return "transferred 30".getBytes(StandardCharsets.UTF_8);
        });
    }

    @Override
    public Outcome run(ExampleContext ctx, boolean failureVariant) {
        ctx.begin("workflow: transfer 30 from user 1 to user 2" + (failureVariant ? ", TransIn answers FAILURE" : ""));
        register(ctx.workflows(), ctx.busi());
        String gid = ctx.dtm().newGid();
        ctx.ap("executes workflow '" + NAME + "' as " + gid);
        try {
            byte[] result = ctx.workflows().execute(NAME, gid, ExampleContext.transferJson(failureVariant));
            ctx.ap("workflow returned: " + new String(result, StandardCharsets.UTF_8));
        } catch (DtmFailureException e) {
            ctx.ap("workflow rolled back: " + e.getMessage());
        }
        return ctx.finish(gid);
    }
}
