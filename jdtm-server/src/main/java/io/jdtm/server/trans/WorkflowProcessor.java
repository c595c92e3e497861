package io.jdtm.server.trans;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.grpc.workflow.WorkflowData;
import io.jdtm.server.store.TransBranch;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Workflow, server side (spec §6.11): the client drives everything; the server only calls the client back while
 * the workflow is unfinished, with branch_id {@code 00}, op = the workflow name and the input as body (for a
 * {@code grpc} workflow wrapped in {@code workflow.WorkflowData}, the request of {@code workflow.Workflow/Execute}).
 * The answer is not interpreted and does not touch the schedule, so the callback repeats once per poller lease.
 */
final class WorkflowProcessor implements TransProcessor {

    @Override
    public void processOnce(Engine e, Pass p, List<TransBranch> branches) {
        if (p.status() != TransStatus.PREPARED) {
            return;
        }
        String name = "";
        byte[] data = new byte[0];
        try {
            JsonNode cd = DtmJson.mapper().readTree(p.global().customData().isEmpty() ? "{}" : p.global().customData());
            for (var it = cd.fields(); it.hasNext(); ) {
                var f = it.next();
                switch (f.getKey().toLowerCase(Locale.ROOT)) {
                    case "name" -> name = f.getValue().asText("");
                    case "data" -> data = f.getValue().isNull() ? new byte[0]
                            : Base64.getDecoder().decode(f.getValue().asText(""));
                    default -> { }
                }
            }
        } catch (IOException | IllegalArgumentException ex) {
            throw DtmException.error("workflow " + p.gid() + " has unreadable custom_data: " + ex.getMessage());
        }
        if (Ops.PROTOCOL_GRPC.equals(p.global().protocol())) {
            // the SDK's workflow.Workflow/Execute takes the input wrapped in WorkflowData (spec §7.3)
            data = WorkflowData.newBuilder().setData(ByteString.copyFrom(data)).build().toByteArray();
        }
        e.call(p, p.global().queryPrepared(), Ops.QUERY_PREPARED_BRANCH_ID, name, data);
    }
}
