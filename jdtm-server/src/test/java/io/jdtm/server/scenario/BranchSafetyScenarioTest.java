package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.server.branch.DestinationPolicy;
import io.jdtm.server.config.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Branch URLs and headers that cannot be turned against the TM or what stands behind it (docs/security.md,
 * "Branch destinations"), over the HTTP and JSON-RPC APIs. The server runs with loopback denied
 * ({@code BranchPolicy.DenyCidrs: 127.0.0.0/8, ::1}), so the fake RM's {@code localhost} URLs resolve to a denied
 * address: a literal {@code 127.0.0.1} is refused when stored, a {@code localhost} one when called.
 */
class BranchSafetyScenarioTest extends ScenarioBase {
    private static final String B = "/api/dtmsvr";

    @Override
    protected ServerConfig config() {
        return super.config().with("BranchPolicy.DenyHosts", "*.denied.example")
                .with("BranchPolicy.DenyCidrs", "127.0.0.0/8, ::1");
    }

    private void assertNothingStored(String gid) {
        assertThat(query(gid).path("transaction").isNull()).as("transaction of %s", gid).isTrue();
    }

    // ---------------------------------------------------------------- refused when stored

    @Test
    void aUrlWithASpaceAndACrlfIsRefusedNamingTheStep() {
        String gid = gid();
        DtmHttp.Res r = api.post(B + "/submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\","
                + "\"steps\":[{\"action\":\"http://x y/\\r\\nfoo\"}],\"payloads\":[\"\"]}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.field("message")).isEqualTo("steps[0].action: 'http://x y/\\r\\nfoo' has a space at position 8;"
                + " a branch URL is printable ASCII: percent-encode other characters, and write host names in"
                + " their ASCII (xn--) form");
        assertNothingStored(gid);
    }

    @Test
    void aMetadataAddressInALaterStepIsRefusedNamingTheStepAndTheRule() {
        String gid = gid();
        Map<String, Object> body = saga(gid, "/TransOut", "/TransOutRevert", "/TransIn", "/TransInRevert");
        @SuppressWarnings("unchecked")
        List<Map<String, String>> steps = (List<Map<String, String>>) body.get("steps");
        String imds = "http://169.254.169.254/latest/meta-data/iam/security-credentials/";
        DtmHttp.Res r = submit(with(body, "steps", List.of(steps.get(0), Map.of("action", "", "compensate", imds))));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.field("message")).isEqualTo("steps[1].compensate: '" + imds + "' is "
                + DestinationPolicy.REFUSED + "169.254.169.254 is a cloud metadata or link-local address"
                + " (169.254.0.0/16; set BranchPolicy.AllowMetadata to allow it)");
        assertNothingStored(gid);
        assertThat(rm.calls()).isEmpty();
    }

    @Test
    void aDeniedLiteralAddressAndADeniedHostAreRefusedBeforeAnyLookup() {
        String gid = gid();
        DtmHttp.Res literal = submit(with(saga(gid, "", ""), "steps",
                List.of(Map.of("action", "http://127.0.0.1:9/TransOut"))));
        DtmHttp.Res host = submit(with(saga(gid, "", ""), "steps",
                List.of(Map.of("action", "https://pay.denied.example/TransOut"))));
        DtmHttp.Res byName = submit(saga(gid, "/TransOut", ""));

        assertThat(literal.status()).isEqualTo(400);
        assertThat(literal.field("message")).isEqualTo("steps[0].action: 'http://127.0.0.1:9/TransOut' is "
                + DestinationPolicy.REFUSED + "127.0.0.1 is in 127.0.0.0/8 of BranchPolicy.DenyCidrs");
        assertThat(host.status()).isEqualTo(400);
        assertThat(host.field("message")).isEqualTo("steps[0].action: 'https://pay.denied.example/TransOut' is "
                + DestinationPolicy.REFUSED + "host pay.denied.example matches '*.denied.example' in"
                + " BranchPolicy.DenyHosts");
        assertThat(byName.status()).as("localhost is known to be denied only once it is resolved").isEqualTo(200);
    }

    @Test
    void headersThatWouldSplitOrReframeABranchRequestAreRefused() {
        String gid = gid();
        DtmHttp.Res crlf = submit(with(transferSaga(gid), "branch_headers", Map.of("X-Tenant", "a\r\nX-Evil: 1")));
        DtmHttp.Res framing = submit(with(transferSaga(gid), "branch_headers", Map.of("Transfer-Encoding", "chunked")));
        DtmHttp.Res tcc = prepare(Map.of("gid", gid, "trans_type", "tcc", "branch_headers",
                Map.of("Content-Length", "0")));

        assertThat(crlf.status()).isEqualTo(400);
        assertThat(crlf.field("message")).isEqualTo("branch_headers: header X-Tenant has control character U+000D at"
                + " position 1 of its value; values are printable ASCII");
        assertThat(framing.status()).isEqualTo(400);
        assertThat(framing.field("message")).startsWith("branch_headers: header Transfer-Encoding is set by jdtm");
        assertThat(tcc.status()).isEqualTo(400);
        assertThat(tcc.field("message")).startsWith("branch_headers: header Content-Length is set by jdtm");
        assertNothingStored(gid);
    }

    @Test
    void registerBranchRefusesABadUrlNamingItsKey() {
        String gid = gid();
        assertThat(prepare(Map.of("gid", gid, "trans_type", "tcc")).status()).isEqualTo(200);

        DtmHttp.Res confirm = api.post(B + "/registerBranch", Map.of("gid", gid, "trans_type", "tcc", "branch_id",
                "01", "confirm", "http://user:secret@pay.example/confirm", "cancel", url("/TransOutCancel")));
        DtmHttp.Res cancel = api.post(B + "/registerTccBranch", Map.of("gid", gid, "trans_type", "tcc", "branch_id",
                "01", "confirm", url("/TransOutConfirm"), "cancel", "gopher://pay.example/cancel"));
        DtmHttp.Res xa = api.post(B + "/registerXaBranch", Map.of("gid", gid, "trans_type", "xa", "branch_id", "02",
                "url", "http://metadata.google.internal/computeMetadata/v1/"));

        assertThat(confirm.status()).isEqualTo(400);
        assertThat(confirm.field("message")).startsWith("confirm: 'http://user:secret@pay.example/confirm' carries"
                + " user info");
        assertThat(cancel.status()).isEqualTo(400);
        assertThat(cancel.field("message")).startsWith("cancel: 'gopher://pay.example/cancel' has scheme 'gopher'");
        assertThat(xa.status()).isEqualTo(400);
        assertThat(xa.field("message")).contains("url: ", "metadata.google.internal is a cloud metadata service");
        assertThat(query(gid).path("branches")).isEmpty();
    }

    @Test
    void msgQueryPreparedWorkflowCallbackAndTopicSubscribersAreCheckedToo() {
        String gid = gid();
        DtmHttp.Res msg = prepare(Map.of("gid", gid, "trans_type", "msg", "steps",
                List.of(Map.of("action", url("/TransIn"))), "payloads", List.of("{}"), "query_prepared",
                "http://169.254.169.254/qp"));
        DtmHttp.Res wf = api.post(B + "/prepareWorkflow", Map.of("gid", gid, "trans_type", "workflow",
                "query_prepared", "http://wf host/resume", "custom_data", "{\"name\":\"wf\",\"data\":null}"));
        DtmHttp.Res sub = api.get(B + "/subscribe?topic=orders&url=ftp%3A%2F%2Fpay.example%2Fin&remark=x");

        assertThat(msg.status()).isEqualTo(400);
        assertThat(msg.field("message")).startsWith("query_prepared: 'http://169.254.169.254/qp' is refused");
        assertThat(wf.status()).isEqualTo(400);
        assertThat(wf.field("message")).startsWith("query_prepared: 'http://wf host/resume' has a space");
        assertThat(sub.status()).isEqualTo(400);
        assertThat(sub.field("message")).startsWith("url: 'ftp://pay.example/in' has scheme 'ftp'");
        assertThat(api.get(B + "/queryKV?cat=topics&key=orders").json().path("kv")).isEmpty();
        assertNothingStored(gid);
    }

    @Test
    void aMsgStepThroughATopicNamesTheSubscriberThatCannotBeCalled() {
        String gid = gid();
        // a gRPC target is a valid subscriber, but an http msg would call it over HTTP
        assertThat(api.get(B + "/subscribe?topic=grpc-only&url=pay.example%3A50051%2Fbusi.Busi%2FTransIn").status())
                .isEqualTo(200);

        DtmHttp.Res r = submit(Map.of("gid", gid, "trans_type", "msg", "steps",
                List.of(Map.of("action", "topic://grpc-only")), "payloads", List.of("{}")));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.field("message")).startsWith("steps[0].action topic://grpc-only, subscriber 1:"
                + " 'pay.example:50051/busi.Busi/TransIn' has scheme 'pay.example'");
        assertNothingStored(gid);
    }

    @Test
    void jsonRpcSubmitWithABadUrlIsAnErrorNamingTheStep() {
        String gid = gid();
        Map<String, Object> body = with(saga(gid, "", ""), "protocol", "json-rpc", "steps",
                List.of(Map.of("action", "http://rpc.example/api?method=TransOut\u0000")));

        JsonNode r = api.post("/api/json-rpc", Map.of("jsonrpc", "2.0", "id", "1", "method", "submit", "params",
                body)).json();

        assertThat(r.path("error").path("message").asText()).isEqualTo("steps[0].action:"
                + " 'http://rpc.example/api?method=TransOut\\u0000' has control character U+0000 at position 38;"
                + " a branch URL is printable ASCII: percent-encode other characters, and write host names in their"
                + " ASCII (xn--) form");
        assertThat(r.path("error").path("code").asInt()).isNotEqualTo(-32901); // not a FAILURE
        assertNothingStored(gid);
    }

    // ---------------------------------------------------------------- refused when called

    @Test
    void aSagaWhoseHostResolvesToADeniedAddressRetriesNamingThePolicyAndNeverFails() {
        String gid = gid();
        DtmHttp.Res r = submit(transferSaga(gid)); // http://localhost:<port>/… : 127.0.0.1 (and ::1) are denied

        assertThat(r.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> !reason(gid).isEmpty());
        assertThat(reason(gid)).startsWith(DestinationPolicy.REFUSED + "localhost resolves to ")
                .contains("of BranchPolicy.DenyCidrs");
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsOnly("prepared");
        long interval = nextCronInterval(gid);

        // the poller's retries: the first once the submit's own pass has let go of the transaction
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> cron(3600) == 1);
        assertThat(cron(3600)).isEqualTo(1);
        assertThat(cron(3600)).isEqualTo(1);

        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsOnly("prepared");
        assertThat(nextCronInterval(gid)).as("retried with backoff, as a branch error").isGreaterThan(interval);
        assertThat(reason(gid)).startsWith(DestinationPolicy.REFUSED);
        assertThat(rm.calls()).isEmpty();
        assertThat(refusedCount()).isGreaterThanOrEqualTo(4);
    }

    private String reason(String gid) {
        return query(gid).path("transaction").path("rollback_reason").asText("");
    }

    private long nextCronInterval(String gid) {
        return query(gid).path("transaction").path("next_cron_interval").asLong();
    }

    private double refusedCount() {
        Matcher m = Pattern.compile("(?m)^jdtm_branch_refused_total ([0-9.E]+)$").matcher(api.get("/api/metrics")
                .body());
        assertThat(m.find()).as("jdtm_branch_refused_total is exported").isTrue();
        return Double.parseDouble(m.group(1));
    }
}
