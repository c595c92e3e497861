package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Empty;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmTopicRequest;
import io.jdtm.server.config.AuthConfig;
import io.jdtm.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens on a real server (docs/security.md, "Authentication"): HTTP, JSON-RPC and gRPC with no, wrong,
 * right and rotated tokens; admin operations with a normal and an admin token; what stays open.
 */
class ApiAuthTest extends ScenarioBase {
    private static final String B = "/api/dtmsvr";
    private static final String OLD = "old-token-0123456789abcdef";
    private static final String NEW = "new-token-0123456789abcdef";
    private static final String ADMIN = "admin-token-0123456789abcdef";
    private static final String WRONG = "wrong-token-0123456789abcdef";

    private DtmHttp anonymous;
    private DtmHttp admin;
    private ManagedChannel channel;

    @Override
    protected ServerConfig config() {
        return super.config().withAuth(new AuthConfig(OLD + "," + NEW, ADMIN, "token"));
    }

    @BeforeEach
    void clients() {
        anonymous = api;
        api = anonymous.withBearer(NEW); // what ScenarioBase's helpers (submit, query) use
        admin = anonymous.withBearer(ADMIN);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- HTTP

    @Test
    void aCallWithoutATokenIsAnswered401WithABearerChallenge() {
        DtmHttp.Res r = anonymous.get(B + "/newGid");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"jdtm\"");
        assertThat(r.field("message")).contains("needs a bearer token").contains("Authorization: Bearer");
        assertThat(r.header("Content-Type")).startsWith("application/json");
    }

    @Test
    void aWrongTokenIsAnswered401WithoutEchoingIt() {
        DtmHttp.Res r = anonymous.withBearer(WRONG).post(B + "/submit", transferSaga(gid()));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"jdtm\", error=\"invalid_token\"");
        assertThat(r.field("message")).isEqualTo("the bearer token is not accepted");
        assertThat(r.body()).doesNotContain(WRONG);
        assertThat(rm.calls()).isEmpty();
    }

    @Test
    void everyConfiguredTokenWorksSoTokensCanBeRotated() {
        for (String token : new String[] {OLD, NEW, ADMIN}) {
            String gid = gid();
            DtmHttp.Res r = anonymous.withBearer(token).post(B + "/submit",
                    with(transferSaga(gid), "wait_result", true));

            assertThat(r.status()).as(token).isEqualTo(200);
            assertThat(status(gid)).isEqualTo("succeed");
        }
        // the TM's token is for the TM: branch calls never carry it
        assertThat(rm.calls()).isNotEmpty().allSatisfy(c -> assertThat(c.headers()).doesNotContainKey("authorization"));
    }

    @Test
    void adminOperationsRefuseANormalTokenAndTakeAnAdminToken() {
        String gid = gid();
        rm.answer("/TransOut", FakeRm.Reply.ONGOING);
        submit(with(transferSaga(gid), "wait_result", true));

        DtmHttp.Res normal = api.post(B + "/forceStop", Map.of("gid", gid));
        assertThat(normal.status()).isEqualTo(403);
        assertThat(normal.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"jdtm\", error=\"insufficient_scope\"");
        assertThat(normal.field("message")).contains("admin operation");
        assertThat(status(gid)).isEqualTo("submitted");

        assertThat(admin.post(B + "/forceStop", Map.of("gid", gid)).status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("failed");
        for (String path : new String[] {"/resetCronTime", "/all", "/scanKV?cat=topics", "/attempts?gid=" + gid,
                "/counts", "/all?stuck=2&gidPrefix=x"}) {
            assertThat(api.get(B + path).status()).as(path).isEqualTo(403);
            assertThat(admin.get(B + path).status()).as(path).isEqualTo(200);
        }
        assertThat(api.delete(B + "/topic/orders").status()).isEqualTo(403);
        assertThat(api.post(B + "/resetNextCronTime", Map.of("gid", gid)).status()).isEqualTo(403);
    }

    @Test
    void spellingsOfAnAdminPathThatTheRouterMightAcceptAreAdminToo() {
        String gid = gid();
        rm.answer("/TransOut", FakeRm.Reply.ONGOING);
        submit(with(transferSaga(gid), "wait_result", true));

        for (String path : new String[] {B + "/forceStop/", B + "/%66orceStop", "/api//dtmsvr/forceStop",
                "/api/dtmsvr/./forceStop", "/api/dtmsvr/x/../forceStop", "//api/dtmsvr/forceStop",
                "/admin/../api/dtmsvr/forceStop", "/assets/%2e%2e/api/dtmsvr/forceStop"}) {
            DtmHttp.Res r = api.send(HttpRequest.newBuilder(URI.create(base() + path))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"gid\":\"" + gid + "\"}")));
            assertThat(r.status()).as(path).isNotEqualTo(200);
        }
        assertThat(status(gid)).isEqualTo("submitted");
    }

    @Test
    void theAdminUiPageLoadsWithoutATokenAndHoldsNoData() {
        String gid = gid();
        submit(with(transferSaga(gid), "wait_result", true));
        DtmHttp page = new DtmHttp(base());
        assertThat(page.get("/").status()).isEqualTo(200);
        assertThat(page.get("/").body()).doesNotContain(gid);
        assertThat(page.get("/assets/app.js").status()).isEqualTo(200);
        assertThat(page.get("/api/dtmsvr/all").status()).isEqualTo(401);
    }

    @Test
    void pingStaysOpenAndMetricsNeedATokenAndCountRefusals() {
        anonymous.get(B + "/newGid");
        anonymous.withBearer(WRONG).get(B + "/newGid");
        api.get(B + "/all");

        assertThat(anonymous.get("/api/ping").status()).isEqualTo(200);
        assertThat(anonymous.get("/api/metrics").status()).isEqualTo(401);
        assertThat(api.get("/api/metrics").body())
                .contains("jdtm_auth_refused_total{reason=\"missing\",type=\"http\"} 2.0") // + the metrics call
                .contains("jdtm_auth_refused_total{reason=\"wrong\",type=\"http\"} 1.0")
                .contains("jdtm_auth_refused_total{reason=\"not_admin\",type=\"http\"} 1.0");
    }

    @Test
    void jsonRpcNeedsATokenToo() {
        String call = "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"newGid\",\"params\":{}}";

        DtmHttp.Res refused = anonymous.post("/api/json-rpc", call);
        DtmHttp.Res served = api.post("/api/json-rpc", call);

        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.field("message")).contains("bearer token");
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.json().path("result").path("gid").asText()).isNotEmpty();
    }

    // ---------------------------------------------------------------- gRPC

    @Test
    void grpcWithoutOrWithAWrongTokenIsUnauthenticated() {
        StatusRuntimeException none = grpcFails(() -> dtm(null).newGid(Empty.getDefaultInstance()));
        StatusRuntimeException wrong = grpcFails(() -> dtm(WRONG).newGid(Empty.getDefaultInstance()));

        assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(none.getStatus().getDescription()).contains("needs a bearer token");
        assertThat(wrong.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(wrong.getStatus().getDescription()).isEqualTo("the bearer token is not accepted");
        assertThat(api.get("/api/metrics").body())
                .contains("jdtm_auth_refused_total{reason=\"missing\",type=\"grpc\"} 1.0")
                .contains("jdtm_auth_refused_total{reason=\"wrong\",type=\"grpc\"} 1.0");
    }

    @Test
    void grpcTakesEveryConfiguredToken() {
        for (String token : new String[] {OLD, NEW, ADMIN}) {
            assertThat(dtm(token).newGid(Empty.getDefaultInstance()).getGid()).as(token).hasSize(22);
        }
    }

    @Test
    void grpcDeleteTopicIsAnAdminOperation() {
        DtmTopicRequest req = DtmTopicRequest.newBuilder().setTopic("orders").build();

        StatusRuntimeException normal = grpcFails(() -> dtm(NEW).deleteTopic(req));
        StatusRuntimeException asAdmin = grpcFails(() -> dtm(ADMIN).deleteTopic(req));

        assertThat(normal.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(normal.getStatus().getDescription()).contains("admin operation");
        // past the guard: the topic does not exist
        assertThat(asAdmin.getStatus().getCode()).isNotIn(Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED);
    }

    @Test
    void grpcHealthStaysOpenForLoadBalancers() {
        HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("dtmgimp.Dtm").build());

        assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    // ---------------------------------------------------------------- helpers

    private String base() {
        return "http://localhost:" + server.httpPort();
    }

    private DtmGrpc.DtmBlockingStub dtm(String token) {
        DtmGrpc.DtmBlockingStub stub = DtmGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        if (token == null) {
            return stub;
        }
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }

    private static StatusRuntimeException grpcFails(ThrowingCallable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
        assertThat(e).as("the call should have failed").isNotNull();
        return e;
    }
}
