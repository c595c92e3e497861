package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.grpc.RawGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTopicRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A seeded generator of hostile requests over every route of the HTTP API, the JSON-RPC endpoint and every gRPC
 * method — valid requests mutated field by field (wrong JSON kinds, nulls, control characters and CRLF, huge and
 * deeply nested values, unknown types and protocols, truncated or random bodies, random protobuf bytes) — with one
 * oracle for every answer: a client's mistake is never a 5xx (nor gRPC INTERNAL/UNKNOWN), no answer names a Java
 * class, exception or stack frame, a refused request stores nothing, and the server keeps answering. The seed is
 * printed; {@code -Djdtm.fuzz.seed=N} replays a run, {@code -Djdtm.fuzz.requests=N} sets its size per protocol.
 */
class BadInputFuzzTest extends ScenarioBase {
    private static final Pattern JAVA_TEXT = Pattern.compile(
            "\\b(java|javax|jdk|sun|io\\.jdtm|io\\.helidon|io\\.grpc|com\\.fasterxml|com\\.google|org\\.[a-z]+)\\.[a-z]"
                    + "|[A-Z][A-Za-z]*(Exception|Error)\\b|\\tat |Caused by|\\.java:\\d");
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String B = "/api/dtmsvr";
    private static final List<String> NASTY = List.of("", " ", "\r\n", "a\r\nX-Injected: 1", "\u0000", "\u001f",
            "<script>alert(1)</script>", "../../etc/passwd", "%00", "%0d%0a", "\uD83D\uDE00", "\uFFFF", "\\", "\"",
            "'; drop table trans_global; --", "http://", "http://x y/", "http://127.0.0.1:1/\r\nHost: evil",
            "ftp://example.com/", "topic://", "topic://nope", "localhost:1/a.B/C", "javascript:alert(1)", "null",
            "9".repeat(40), "-1", "1e999", "x".repeat(300), "\t", "saga", "tcc", "msg", "xa", "workflow", "grpc");

    private long seed;
    private Random rnd;
    private int requests;
    private ManagedChannel channel;
    private DtmGrpc.DtmBlockingStub grpc;

    @BeforeEach
    void seedAndChannel() {
        seed = Long.getLong("jdtm.fuzz.seed", System.nanoTime());
        requests = Integer.getInteger("jdtm.fuzz.requests", 1500);
        rnd = new Random(seed);
        System.out.println("BadInputFuzzTest seed " + seed + " (replay with -Djdtm.fuzz.seed=" + seed + ")");
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        grpc = DtmGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void closeChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- HTTP and JSON-RPC

    @Test
    void everyHttpRouteAnswersHostileInputCleanly() {
        for (int i = 0; i < requests; i++) {
            String gid = "fz-" + seed + "-" + i;
            int route = rnd.nextInt(10);
            switch (route) {
                case 0, 1, 2 -> postTrans(gid, "/submit");
                case 3 -> postTrans(gid, "/prepare");
                case 4 -> postTrans(gid, "/prepareWorkflow");
                case 5 -> postBody(B + "/abort", mutate(trans(gid)), gid);
                case 6 -> postBody(B + (rnd.nextBoolean() ? "/forceStop" : "/resetNextCronTime"),
                        mutate(obj("gid", gid)), gid);
                case 7 -> registerBranch(gid);
                case 8 -> getWithParams();
                default -> postBody(B + "/submit", randomText(), gid);
            }
            if (i % 250 == 0) {
                assertThat(api.get("/api/ping").status()).as("still up after %d requests", i).isEqualTo(200);
            }
        }
        assertThat(api.get("/api/ping").status()).isEqualTo(200);
    }

    @Test
    void jsonRpcAnswersHostileInputCleanly() {
        List<String> methods = List.of("submit", "prepare", "abort", "registerBranch", "newGid", "nope", "");
        for (int i = 0; i < requests; i++) {
            String gid = "fr-" + seed + "-" + i;
            ObjectNode env = obj("jsonrpc", "2.0", "id", Integer.toString(i),
                    "method", methods.get(rnd.nextInt(methods.size())));
            env.set("params", rnd.nextBoolean() ? trans(gid) : branch(gid));
            JsonNode body = rnd.nextInt(4) == 0 ? mutate(env) : env;
            if (env.path("params").isObject()) {
                mutateInPlace((ObjectNode) env.get("params"));
            }
            String text = rnd.nextInt(10) == 0 ? randomText() : body.toString();
            DtmHttp.Res r = api.post("/api/json-rpc", text);
            check("json-rpc " + text, r.status(), r.body());
            JsonNode err = r.json() == null ? null : r.json().path("error");
            if (err != null && err.isObject()) {
                assertThat(err.path("message").asText()).as(text).isNotBlank();
                if (!isTrans(body)) {
                    continue;
                }
            }
            if (r.status() >= 400 || (err != null && err.isObject())) {
                assertNothingStored(gid, text);
            }
        }
        assertThat(api.get("/api/ping").status()).isEqualTo(200);
    }

    private static boolean isTrans(JsonNode env) {
        return env.isObject() && List.of("submit", "prepare").contains(env.path("method").asText());
    }

    private void postTrans(String gid, String route) {
        postBody(B + route, mutate(trans(gid)), gid);
    }

    private void postBody(String path, Object body, String gid) {
        String text = body instanceof String s ? s : body.toString();
        DtmHttp.Res r = api.post(path, text);
        check("POST " + path + " " + text, r.status(), r.body());
        boolean creates = path.endsWith("/submit") || path.endsWith("/prepare") || path.endsWith("/prepareWorkflow");
        if (creates && r.status() >= 400) {
            assertNothingStored(gid, text);
        }
    }

    private void registerBranch(String gid) {
        // a prepared TCC to register into; the mutated registration must leave its branches as they were
        String prepared = gid + "-tcc";
        assertThat(api.post(B + "/prepare", obj("gid", prepared, "trans_type", "tcc").toString()).status())
                .isEqualTo(200);
        JsonNode before = query(prepared).path("branches");
        ObjectNode b = branch(prepared);
        mutateInPlace(b);
        DtmHttp.Res r = api.post(B + (rnd.nextBoolean() ? "/registerBranch" : "/registerTccBranch"), b.toString());
        check("registerBranch " + b, r.status(), r.body());
        if (r.status() >= 400) {
            assertThat(query(prepared).path("branches")).as("nothing stored by %s", b).isEqualTo(before);
        }
    }

    private void getWithParams() {
        List<String> routes = List.of("/query", "/all", "/scanKV", "/queryKV", "/resetCronTime", "/subscribe",
                "/unsubscribe", "/newGid", "/version");
        List<String> params = List.of("gid", "position", "limit", "status", "transType", "createTimeStart",
                "createTimeEnd", "cat", "key", "timeout", "topic", "url", "remark");
        StringBuilder q = new StringBuilder(B).append(routes.get(rnd.nextInt(routes.size()))).append('?');
        for (int n = rnd.nextInt(4); n >= 0; n--) {
            q.append(params.get(rnd.nextInt(params.size()))).append('=')
                    .append(java.net.URLEncoder.encode(nasty(), java.nio.charset.StandardCharsets.UTF_8)).append('&');
        }
        DtmHttp.Res r = api.get(q.toString());
        check("GET " + q, r.status(), r.body());
        String topic = nasty();
        DtmHttp.Res d = api.delete(B + "/topic/" + java.net.URLEncoder.encode(topic,
                java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
        check("DELETE topic " + topic, d.status(), d.body());
    }

    // ---------------------------------------------------------------- gRPC

    @Test
    void everyGrpcMethodAnswersHostileInputCleanly() {
        for (int i = 0; i < requests; i++) {
            String gid = "fg-" + seed + "-" + i;
            int method = rnd.nextInt(8);
            try {
                switch (method) {
                    case 0, 1 -> grpc.submit(grpcTrans(gid));
                    case 2 -> grpc.prepare(grpcTrans(gid));
                    case 3 -> grpc.prepareWorkflow(grpcTrans(gid));
                    case 4 -> grpc.abort(grpcTrans(gid));
                    case 5 -> grpc.registerBranch(grpcBranch(gid));
                    case 6 -> {
                        DtmTopicRequest t = DtmTopicRequest.newBuilder().setTopic(nasty()).setURL(nasty())
                                .setRemark(nasty()).build();
                        switch (rnd.nextInt(3)) {
                            case 0 -> grpc.subscribe(t);
                            case 1 -> grpc.unsubscribe(t);
                            default -> grpc.deleteTopic(t);
                        }
                    }
                    default -> rawCall(randomBytes());
                }
            } catch (StatusRuntimeException e) {
                Status s = e.getStatus();
                String what = "gRPC method " + method + " gid " + gid;
                assertThat(s.getCode()).as("%s: %s", what, s)
                        .isNotIn(Status.Code.INTERNAL, Status.Code.UNKNOWN, Status.Code.UNIMPLEMENTED);
                assertThat(s.getDescription()).as(what).isNotBlank();
                assertThat(JAVA_TEXT.matcher(s.getDescription()).find()).as("%s: %s", what, s.getDescription())
                        .isFalse();
                if (method <= 2) {
                    assertNothingStored(gid, what);
                }
            }
        }
        assertThat(api.get("/api/ping").status()).isEqualTo(200);
    }

    private DtmRequest grpcTrans(String gid) {
        DtmRequest.Builder b = DtmRequest.newBuilder().setGid(rnd.nextInt(8) == 0 ? nasty() : gid)
                .setTransType(rnd.nextInt(3) == 0 ? nasty() : pick("saga", "msg", "tcc", "xa", "workflow"))
                .setSteps(rnd.nextInt(3) == 0 ? nasty() : mutate(steps()).toString());
        for (int n = rnd.nextInt(3); n > 0; n--) {
            b.addBinPayloads(ByteString.copyFrom(randomBytes()));
        }
        if (rnd.nextBoolean()) {
            b.setTransOptions(DtmTransOptions.newBuilder().setTimeoutToFail(rnd.nextInt(5) - 2)
                    .setRetryInterval(rnd.nextInt(5) - 2).putBranchHeaders(nasty(), nasty()));
        }
        if (rnd.nextBoolean()) {
            b.setCustomedData(nasty()).setQueryPrepared(nasty()).putReqExtra(nasty(), nasty());
        }
        return b.build();
    }

    private DtmBranchRequest grpcBranch(String gid) {
        return DtmBranchRequest.newBuilder().setGid(rnd.nextBoolean() ? gid : nasty())
                .setTransType(pick("tcc", "xa", "workflow", "saga", "")).setBranchID(nasty()).setOp(nasty())
                .putData(pick("confirm", "cancel", "url", "status", nasty()), nasty())
                .setBusiPayload(ByteString.copyFrom(randomBytes())).build();
    }

    /** Random bytes as the request message of a random method: not protobuf at all, most of the time. */
    private void rawCall(byte[] message) {
        List<MethodDescriptor<?, ?>> ms = List.of(DtmGrpc.getSubmitMethod(), DtmGrpc.getPrepareMethod(),
                DtmGrpc.getRegisterBranchMethod(), DtmGrpc.getSubscribeMethod());
        MethodDescriptor<?, ?> m = ms.get(rnd.nextInt(ms.size()));
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(m.getFullMethodName())
                .setRequestMarshaller(RawGrpc.MARSHALLER).setResponseMarshaller(RawGrpc.MARSHALLER).build();
        ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                message);
    }

    // ---------------------------------------------------------------- the oracle

    private void check(String what, int status, String body) {
        String shown = what.length() > 300 ? what.substring(0, 300) + "…" : what;
        assertThat(status).as("%s → %s", shown, body).isLessThan(500);
        assertThat(JAVA_TEXT.matcher(body).find()).as("%s → %s", shown, body).isFalse();
        if (status >= 400) {
            assertThat(body).as(shown).contains("message");
        }
    }

    private void assertNothingStored(String gid, String what) {
        JsonNode q = query(gid);
        assertThat(q.path("transaction").isNull() || q.path("transaction").isMissingNode())
                .as("refused, yet stored: %s → %s", what, q).isTrue();
    }

    // ---------------------------------------------------------------- generators

    private ObjectNode trans(String gid) {
        ObjectNode t = obj("gid", gid, "trans_type", pick("saga", "msg", "tcc", "xa", "workflow"));
        t.set("steps", steps());
        ArrayNode p = t.putArray("payloads");
        p.add("{\"amount\":30}").add("{\"amount\":30}");
        if (rnd.nextBoolean()) {
            t.put("custom_data", pick("", "{\"orders\":{\"1\":[0]}}", "{\"concurrent\":true}"));
            t.put("timeout_to_fail", rnd.nextInt(100));
            t.putObject("branch_headers").put("X-A", "b");
            t.put("query_prepared", url("/QueryPrepared"));
        }
        return t;
    }

    private ArrayNode steps() {
        ArrayNode s = F.arrayNode();
        s.addObject().put("action", url("/TransOut")).put("compensate", url("/TransOutRevert"));
        s.addObject().put("action", url("/TransIn")).put("compensate", url("/TransInRevert"));
        return s;
    }

    private ObjectNode branch(String gid) {
        return obj("gid", gid, "branch_id", "01", "trans_type", pick("tcc", "xa", "workflow"), "data", "{}",
                "confirm", url("/TransOutConfirm"), "cancel", url("/TransOutCancel"), "url", url("/Xa"),
                "op", "action", "status", "succeed");
    }

    /** A copy of {@code node} with one to three hostile changes, anywhere in its tree. */
    private JsonNode mutate(JsonNode node) {
        JsonNode copy = node.deepCopy();
        if (rnd.nextInt(12) == 0) {
            return randomValue(3);
        }
        if (copy instanceof ObjectNode o) {
            mutateInPlace(o);
        } else if (copy instanceof ArrayNode a && !a.isEmpty() && a.get(0) instanceof ObjectNode o) {
            mutateInPlace(o);
        }
        return copy;
    }

    private void mutateInPlace(ObjectNode root) {
        for (int n = 1 + rnd.nextInt(3); n > 0; n--) {
            List<ObjectNode> objects = new ArrayList<>();
            collect(root, objects);
            ObjectNode target = objects.get(rnd.nextInt(objects.size()));
            List<String> names = new ArrayList<>();
            target.fieldNames().forEachRemaining(names::add);
            String field = names.isEmpty() || rnd.nextInt(5) == 0 ? nasty() : names.get(rnd.nextInt(names.size()));
            switch (rnd.nextInt(4)) {
                case 0 -> target.remove(field);
                case 1 -> target.put(field, nasty());
                default -> target.set(field, randomValue(2));
            }
        }
        if (root.path("wait_result").asBoolean(false)) {
            root.put("wait_result", false); // a branch's own error under wait_result is not the client's mistake
        }
    }

    private static void collect(JsonNode n, List<ObjectNode> out) {
        if (n instanceof ObjectNode o) {
            out.add(o);
        }
        n.forEach(c -> collect(c, out));
    }

    private JsonNode randomValue(int depth) {
        return switch (rnd.nextInt(depth <= 0 ? 6 : 9)) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(rnd.nextBoolean());
            case 2 -> F.numberNode(rnd.nextLong());
            case 3 -> F.numberNode(rnd.nextDouble() * 1e300);
            case 4, 5 -> F.textNode(nasty());
            case 6 -> {
                ArrayNode a = F.arrayNode();
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    a.add(randomValue(depth - 1));
                }
                yield a;
            }
            case 7 -> {
                ObjectNode o = F.objectNode();
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    o.set(nasty(), randomValue(depth - 1));
                }
                yield o;
            }
            default -> deep(rnd.nextBoolean() ? 70 : 10);
        };
    }

    private static JsonNode deep(int levels) {
        JsonNode n = F.textNode("bottom");
        for (int i = 0; i < levels; i++) {
            n = i % 2 == 0 ? F.arrayNode().add(n) : F.objectNode().set("k", n);
        }
        return n;
    }

    private String randomText() {
        return switch (rnd.nextInt(5)) {
            case 0 -> new String(randomBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            case 1 -> "{\"gid\":" + nasty();
            case 2 -> "[".repeat(1 + rnd.nextInt(2000));
            case 3 -> "{\"gid\":\"x\",\"gid\":1,\"trans_type\":[]}";
            default -> nasty();
        };
    }

    private byte[] randomBytes() {
        byte[] b = new byte[rnd.nextInt(64)];
        rnd.nextBytes(b);
        return b;
    }

    private String nasty() {
        return NASTY.get(rnd.nextInt(NASTY.size()));
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[rnd.nextInt(options.length)];
    }

    private static ObjectNode obj(Object... kv) {
        ObjectNode o = F.objectNode();
        for (int i = 0; i < kv.length; i += 2) {
            o.put((String) kv[i], (String) kv[i + 1]);
        }
        return o;
    }
}
