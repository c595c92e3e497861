package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.client.testing.RecordingServer;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.TransRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client-wide defaults of every transaction and the transport wrapper (what the Spring starter builds on). */
class ClientDefaultsTest {

    private final RecordingServer tm = new RecordingServer();

    @AfterEach
    void close() {
        tm.close();
    }

    private static JsonNode json(Object request) throws Exception {
        return DtmJson.mapper().readTree(DtmJson.write(request));
    }

    @Test
    void transactionsStartFromTheClientsDefaultOptions() throws Exception {
        TransactionOptions defaults = TransactionOptions.builder().waitResult(true).branchHeader("X-Token", "t")
                .build();
        try (DtmClient dtm = DtmClient.builder().serverUrl(tm.url() + "/api/dtmsvr").defaultOptions(defaults)
                .build()) {
            assertThat(dtm.defaultOptions()).isEqualTo(defaults);

            JsonNode plain = json(dtm.saga("g1").add("http://svc/a", "", Map.of()).request());
            assertThat(plain.get("wait_result").asBoolean()).isTrue();
            assertThat(plain.get("branch_headers").toString()).isEqualTo("{\"X-Token\":\"t\"}");

            // a transaction's own setter changes a copy of the defaults
            JsonNode more = json(dtm.saga("g2").add("http://svc/a", "", Map.of()).branchHeader("X-Trace", "1")
                    .request());
            assertThat(more.get("branch_headers").size()).isEqualTo(2);
            // options(...) replaces them
            JsonNode replaced = json(dtm.saga("g3").add("http://svc/a", "", Map.of())
                    .options(TransactionOptions.DEFAULTS).request());
            assertThat(replaced.has("wait_result")).isFalse();
        }
    }

    @Test
    void theWrapperSeesEveryCallToTheTm() {
        tm.answer("/api/dtmsvr/newGid", new RmResponse(200, "{\"gid\":\"wrapped-1\",\"dtm_result\":\"SUCCESS\"}"));
        List<String> seen = new CopyOnWriteArrayList<>();
        try (DtmClient dtm = DtmClient.builder().serverUrl(tm.url() + "/api/dtmsvr")
                .wrapTransport(t -> new Recording(t, seen)).build()) {

            assertThat(dtm.newGid()).isEqualTo("wrapped-1");
            assertThat(dtm.serverUrl()).isEqualTo(tm.url() + "/api/dtmsvr");
        }
        assertThat(seen).containsExactly("newGid");
    }

    @Test
    void aWrapperReturningNullIsRefusedAtBuild() {
        assertThatThrownBy(() -> DtmClient.builder().wrapTransport(t -> null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wrapTransport");
    }

    /** Records the operations and delegates. */
    private record Recording(Transport t, List<String> seen) implements Transport {
        @Override
        public String serverAddress() {
            return t.serverAddress();
        }

        @Override
        public String newGid() {
            seen.add("newGid");
            return t.newGid();
        }

        @Override
        public void prepare(TransRequest request, List<byte[]> binPayloads) {
            seen.add("prepare");
            t.prepare(request, binPayloads);
        }

        @Override
        public void submit(TransRequest request, List<byte[]> binPayloads) {
            seen.add("submit");
            t.submit(request, binPayloads);
        }

        @Override
        public void abort(TransRequest request) {
            seen.add("abort");
            t.abort(request);
        }

        @Override
        public void registerBranch(Map<String, String> branch, byte[] data) {
            seen.add("registerBranch");
            t.registerBranch(branch, data);
        }

        @Override
        public JsonNode prepareWorkflow(TransRequest request) {
            seen.add("prepareWorkflow");
            return t.prepareWorkflow(request);
        }

        @Override
        public JsonNode query(String gid) {
            seen.add("query");
            return t.query(gid);
        }
    }
}
