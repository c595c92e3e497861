package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.DtmJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The HTTP edge over raw sockets, as clients and proxies really send it: HTTP/1.0 (nginx's default to upstreams)
 * is served and its connection closed after the answer; malformed HTTP gets a JSON body saying so; bodies the JSON
 * decoder must not follow (deep nesting, nulls inside maps, oversized JSON-RPC) get a clear answer, never a 500.
 */
class HttpEdgeScenarioTest extends ScenarioBase {
    private static final String B = "/api/dtmsvr";

    /** One request on a fresh connection; reads until the server closes it (fails the test after 10 s). */
    private Raw raw(String request) throws IOException {
        return raw(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private Raw raw(byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out); // ends only when the server closes the connection
            return Raw.parse(out.toString(StandardCharsets.ISO_8859_1));
        }
    }

    record Raw(int status, String head, String body) {
        static Raw parse(String all) {
            int headEnd = all.indexOf("\r\n\r\n");
            assertThat(headEnd).as("a complete answer in: %s", all).isPositive();
            String head = all.substring(0, headEnd);
            int status = Integer.parseInt(head.substring(9, 12));
            return new Raw(status, head, all.substring(headEnd + 4));
        }

        JsonNode json() {
            try {
                return DtmJson.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    @Test
    void http10RequestsAreServedAndTheConnectionClosesAfterTheAnswer() throws IOException {
        Raw ping = raw("GET /api/ping HTTP/1.0\r\n\r\n"); // no Host: legal in HTTP/1.0
        assertThat(ping.status()).isEqualTo(200);
        assertThat(ping.body()).isEqualTo("{\"msg\":\"pong\"}");
        assertThat(ping.head()).containsIgnoringCase("content-length: 14").doesNotContainIgnoringCase("chunked");

        String gid = gid();
        String body = DtmJson.write(with(transferSaga(gid), "wait_result", true));
        Raw submit = raw("POST " + B + "/submit HTTP/1.0\r\nHost: tm\r\nConnection: keep-alive\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body);
        assertThat(submit.status()).as(submit.body()).isEqualTo(200);
        assertThat(submit.json().path("dtm_result").asText()).isEqualTo("SUCCESS");
        assertThat(status(gid)).isEqualTo("succeed");

        Raw query = raw("GET " + B + "/query?gid=" + gid + " HTTP/1.0\r\nUser-Agent: ab\r\n\r\n");
        assertThat(query.json().path("transaction").path("gid").asText()).isEqualTo(gid);
        // HTTP/1.1 keeps working on the same port, keep-alive included
        assertThat(api.get("/api/ping").status()).isEqualTo(200);
    }

    @Test
    void malformedHttpIsAnsweredWithAJsonBodySayingSo() throws IOException {
        List<byte[]> bad = List.of(
                "GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "GET /api/ping HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "GET /api/ping HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), // 1.1 needs a Host
                ("POST " + B + "/submit HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1),
                "GET /api/p\u0001ing HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "GET /api/ping HTTP/3.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        for (byte[] b : bad) {
            Raw r = raw(b);
            String what = new String(b, StandardCharsets.ISO_8859_1);
            assertThat(r.status()).as(what).isBetween(400, 499).isNotEqualTo(404);
            assertThat(r.head()).as(what).containsIgnoringCase("content-type: application/json");
            assertThat(r.json().path("message").asText()).as(what).startsWith("malformed HTTP request: ");
            assertThat(r.body()).doesNotContain("Exception").doesNotContain("java.").doesNotContain("helidon");
        }
        assertThat(api.get("/api/ping").status()).isEqualTo(200);
    }

    @Test
    void jsonTheDecoderMustNotFollowGetsAClearAnswer() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        DtmHttp.Res r = api.post(B + "/submit", "{\"gid\":\"" + gid() + "\",\"trans_type\":\"saga\",\"custom_data\":\"\","
                + "\"unknown_field\":{\"a\":" + deep + "}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.field("message")).contains("nest deeper than 64 levels");

        // nulls inside maps and arrays of strings decode as "", as Go's encoding/json decodes them for DTM
        String gid = gid();
        DtmHttp.Res nulls = api.post(B + "/submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"wait_result\":true,"
                + "\"steps\":[{\"action\":\"" + url("/TransOut") + "\",\"compensate\":null}],\"payloads\":[null],"
                + "\"branch_headers\":{\"X-Trace\":null},\"req_extra\":{\"k\":null}}");
        assertThat(nulls.status()).as(nulls.body()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(rm.calls("/TransOut")).hasSize(1);
        assertThat(rm.calls("/TransOut").getFirst().body()).isEmpty();

        DtmHttp.Res rpcDeep = api.post("/api/json-rpc", deep);
        assertThat(rpcDeep.status()).isEqualTo(400);
        assertThat(rpcDeep.json().path("error").path("code").asInt()).isEqualTo(-32700);
        assertThat(rpcDeep.json().path("error").path("message").asText()).contains("nest deeper");

        byte[] huge = new byte[(int) server.config().maxBodyBytes() + 10];
        java.util.Arrays.fill(huge, (byte) 'a');
        DtmHttp.Res rpcHuge = api.post("/api/json-rpc", new String(huge, StandardCharsets.ISO_8859_1));
        assertThat(rpcHuge.status()).isEqualTo(413);
        assertThat(rpcHuge.json().path("error").path("message").asText()).contains("MaxBodyBytes");
        assertThat(rpcHuge.body()).doesNotContain("Exception").doesNotContain("Internal Server Error");
        assertThat(api.post("/api/json-rpc", Map.of("jsonrpc", "2.0")).status()).isEqualTo(400);
    }
}
