package io.jdtm.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.client.DtmClient;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.TransInfo;
import io.jdtm.protocol.TransStatus;
import io.jdtm.spring.actuate.MeteredTransport;
import io.jdtm.spring.actuate.TmProbe;
import io.jdtm.spring.testapp.BranchController;
import io.jdtm.spring.testapp.BranchController.Call;
import io.jdtm.spring.testing.TestApps;
import io.jdtm.spring.testing.TestTm;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring MVC application as the branches of real sagas run by the real TM (in-process): the handlers get their
 * {@link BranchContext} from DTM's query parameters and the branch headers from {@code jdtm.transaction.*}, their
 * exceptions become DTM's 409/425 answers, the actuator reports the TM's health and Micrometer times every call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebAndActuatorTest {

    private TestTm tm;
    private ConfigurableApplicationContext app;
    private String busi;
    private DtmClient dtm;
    private BranchController branches;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() {
        tm = new TestTm();
        // the DataSource is created lazily and never used here: no database needed
        app = TestApps.web("jdtm.server-url=" + tm.dtmUrl(), "jdtm.transaction.wait-result=true",
                "jdtm.transaction.branch-headers.X-Test-Token=t0k3n",
                "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none",
                "management.endpoints.web.exposure.include=health",
                "management.endpoint.health.show-details=always");
        busi = TestApps.baseUrl(app) + "/api/busi";
        dtm = app.getBean(DtmClient.class);
        branches = app.getBean(BranchController.class);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
        if (tm != null) {
            tm.close();
        }
        http.close();
    }

    private static String gid() {
        return "spring-web-" + UUID.randomUUID();
    }

    @Test
    void sagaCallsTheHandlersWithTheirBranchContextAndTheConfiguredHeaders() {
        String gid = gid();

        dtm.saga(gid).add(busi + "/TransOut", busi + "/TransOutRevert", Map.of("amount", 30))
                .add(busi + "/TransIn", busi + "/TransInRevert", Map.of("amount", 30)).submit();

        assertThat(branches.calls(gid)).containsExactly(
                new Call("TransOut", gid, "saga", "01", "action", "t0k3n"),
                new Call("TransIn", gid, "saga", "02", "action", "t0k3n"));
        assertThat(dtm.query(gid)).map(TransInfo::status).contains(TransStatus.SUCCEED);
    }

    @Test
    void failureThrownByAHandlerIsA409AndTheTmCompensates() {
        String gid = gid();

        assertThatThrownBy(() -> dtm.saga(gid).add(busi + "/TransOut", busi + "/TransOutRevert", Map.of("amount", 30))
                .add(busi + "/FailTransIn", busi + "/TransInRevert", Map.of("amount", 30)).submit())
                .isInstanceOf(DtmFailureException.class);

        assertThat(branches.calls(gid)).extracting(Call::name, Call::op).containsExactly(
                org.assertj.core.groups.Tuple.tuple("TransOut", "action"),
                org.assertj.core.groups.Tuple.tuple("FailTransIn", "action"),
                org.assertj.core.groups.Tuple.tuple("TransInRevert", "compensate"),
                org.assertj.core.groups.Tuple.tuple("TransOutRevert", "compensate"));
        TransInfo t = dtm.query(gid).orElseThrow();
        assertThat(t.status()).isEqualTo(TransStatus.FAILED);
        assertThat(t.rollbackReason()).contains("refused by FailTransIn");
    }

    @Test
    void handlerExceptionsAnswerDtmsStatusesAndBodies() throws Exception {
        String q = "?gid=g1&trans_type=saga&branch_id=01&op=action";

        HttpResponse<String> failure = post(busi + "/FailNow" + q);
        assertThat(failure.statusCode()).isEqualTo(409);
        assertThat(failure.body()).isEqualTo("{\"dtm_result\":\"FAILURE\",\"message\":\"refused by FailNow\"}");
        assertThat(failure.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));

        HttpResponse<String> ongoing = post(busi + "/OngoingNow" + q);
        assertThat(ongoing.statusCode()).isEqualTo(425);
        assertThat(ongoing.body()).isEqualTo("{\"dtm_result\":\"ONGOING\"}");

        assertThat(post(busi + "/Fine" + q).statusCode()).isEqualTo(200);
    }

    @Test
    void missingDtmParameterIsA400NamingIt() throws Exception {
        HttpResponse<String> r = post(busi + "/TransOut?gid=g2&trans_type=saga&op=action");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":\"a DTM branch request needs the query parameter 'branch_id'; "
                + "it is missing or empty\"}");
    }

    @Test
    void contextCarriesEveryDtmParameterForTheSdksHelpers() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(busi + "/context?gid=g3&trans_type=tcc"
                + "&branch_id=01&op=try&dtm=" + tm.dtmUrl() + "&other=x")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"gid\":\"g3\"", "\"trans_type\":\"tcc\"", "\"op\":\"try\"",
                "\"dtm\":\"" + tm.dtmUrl() + "\"").doesNotContain("other");
    }

    @Test
    void healthEndpointReportsTheTmUp() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(TestApps.baseUrl(app)
                + "/actuator/health/jdtm")).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"status\":\"UP\"", "/api/ping");
    }

    @Test
    void probeReportsAnUnreachableTmDown() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String url = "http://127.0.0.1:" + port + "/api/dtmsvr";
        try (DtmClient c = DtmClient.builder().serverUrl(url).build();
                TmProbe probe = new TmProbe(c, url, Duration.ofSeconds(2))) {
            TmProbe.Result r = probe.check();

            assertThat(r.up()).isFalse();
            assertThat(r.details()).containsEntry("check", "GET http://127.0.0.1:" + port + "/api/ping")
                    .containsKey("error");
        }
    }

    @Test
    void probeOfAGrpcOnlyClientAsksForANewGid() {
        try (DtmClient c = DtmClient.builder().grpcTarget(tm.grpcTarget()).build();
                TmProbe probe = new TmProbe(c, null, Duration.ofSeconds(5))) {
            TmProbe.Result r = probe.check();

            assertThat(r.up()).as("%s", r.details()).isTrue();
            assertThat(r.details()).containsEntry("check", "newGid").containsEntry("protocol", "grpc");
        }
    }

    @Test
    void everyCallToTheTmIsTimedByOperationAndOutcome() {
        MeterRegistry registry = app.getBean(MeterRegistry.class);
        double before = count(registry, "newGid", "success");

        dtm.newGid();

        assertThat(count(registry, "newGid", "success")).isEqualTo(before + 1);
        String gid = gid();
        assertThatThrownBy(() -> dtm.saga(gid).add(busi + "/FailOut", busi + "/Revert", Map.of()).submit())
                .isInstanceOf(DtmFailureException.class);
        assertThat(count(registry, "submit", "failure")).isGreaterThanOrEqualTo(1);
    }

    private static double count(MeterRegistry registry, String operation, String outcome) {
        Timer t = registry.find(MeteredTransport.TIMER).tags("operation", operation, "outcome", outcome,
                "protocol", "http").timer();
        return t == null ? 0 : t.count();
    }

    private HttpResponse<String> post(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }
}
