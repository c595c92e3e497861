package io.jdtm.server.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link ScenarioBase} with a gRPC business service beside the HTTP one: transactions are submitted over the HTTP
 * API with {@code "protocol":"grpc"} and branch URLs {@code localhost:<port>/busi.Busi/<Method>}, as a DTM gRPC
 * client stores them; payloads are JSON text here, which the TM passes on as the raw request message.
 */
abstract class GrpcScenarioBase extends ScenarioBase {
    protected FakeGrpcRm grpcRm;

    @BeforeEach
    void startGrpcRm() {
        grpcRm = FakeGrpcRm.start();
    }

    @AfterEach
    void stopGrpcRm() {
        if (grpcRm != null) {
            grpcRm.close();
        }
    }

    /** The gRPC URL of {@code busi.Busi/<name>}; "" stays "" (no call). */
    protected String g(String name) {
        return name.isEmpty() ? "" : grpcRm.url("busi.Busi/" + name);
    }

    /** The full method name the fake RM records for {@code name}. */
    protected static String m(String name) {
        return "busi.Busi/" + name;
    }

    /** A gRPC saga over {@code busi.Busi} methods: action/compensate name pairs, each step with {"amount":30}. */
    protected Map<String, Object> grpcSaga(String gid, String... actionCompensatePairs) {
        List<Map<String, String>> steps = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < actionCompensatePairs.length; i += 2) {
            steps.add(Map.of("action", g(actionCompensatePairs[i]), "compensate", g(actionCompensatePairs[i + 1])));
            payloads.add("{\"amount\":30}");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("trans_type", "saga");
        m.put("protocol", "grpc");
        m.put("steps", steps);
        m.put("payloads", payloads);
        return m;
    }

    /** The standard two-step transfer saga, over gRPC. */
    protected Map<String, Object> grpcTransferSaga(String gid) {
        return grpcSaga(gid, "TransOut", "TransOutRevert", "TransIn", "TransInRevert");
    }

    protected long nextCronInterval(String gid) {
        return query(gid).path("transaction").path("next_cron_interval").asLong();
    }
}
