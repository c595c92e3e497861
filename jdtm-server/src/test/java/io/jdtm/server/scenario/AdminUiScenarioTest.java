package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin UI's files over HTTP (at {@code /} and under {@code AdminBasePath}), and: browsers' cross-site requests
 * never reach the API (docs/admin-ui.md): a page on another site cannot make the
 * operator's browser change anything, while scripts (no Origin, no Sec-Fetch-Site) and the UI's own same-origin
 * calls work.
 */
class AdminUiScenarioTest extends ScenarioBase {

    @Override
    protected io.jdtm.server.config.ServerConfig config() {
        return super.config().with("AdminBasePath", "/dtm/");
    }

    private DtmHttp browserFrom(Map<String, String> headers) {
        return new DtmHttp("http://localhost:" + server.httpPort(), null, headers);
    }

    @Test
    void aCrossSiteForceStopIsRefusedAndASameOriginOneIsNot() {
        String gid = gid();
        prepare(with(transferSaga(gid), "trans_type", "msg"));
        Map<String, String> stop = Map.of("gid", gid);

        DtmHttp.Res evil = browserFrom(Map.of("Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"))
                .post("/api/dtmsvr/forceStop", stop);
        assertThat(evil.status()).isEqualTo(403);
        assertThat(evil.body()).contains("cross-site request refused");
        DtmHttp.Res oldBrowser = browserFrom(Map.of("Origin", "http://evil.example")).post("/api/dtmsvr/forceStop", stop);
        assertThat(oldBrowser.status()).isEqualTo(403);
        DtmHttp.Res sibling = browserFrom(Map.of("Sec-Fetch-Site", "same-site"))
                .get("/api/dtmsvr/subscribe?topic=t&url=http://x/y&remark=");
        assertThat(sibling.status()).isEqualTo(403);
        assertThat(status(gid)).isEqualTo("prepared");

        DtmHttp.Res ui = browserFrom(Map.of("Origin", "http://localhost:" + server.httpPort(),
                "Sec-Fetch-Site", "same-origin")).post("/api/dtmsvr/forceStop", stop);
        assertThat(ui.status()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("failed");
    }

    @Test
    void theUiIsServedFromTheJarWithAStrictContentSecurityPolicy() {
        DtmHttp.Res page = api.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("content-type")).startsWith("text/html");
        assertThat(page.header("content-security-policy")).contains("script-src 'self'");
        assertThat(page.body()).contains("/assets/app.js").doesNotContain("PUBLIC-PATH-VARIABLE");
        assertThat(api.get("/admin/trans").status()).isEqualTo(200);
        assertThat(api.get("/assets/preact.min.js").body()).contains("preact");
        assertThat(api.get("/assets/preact-LICENSE.txt").body()).contains("MIT");
        assertThat(api.get("/assets/nope.js").status()).isEqualTo(404);

        DtmHttp.Res based = api.get("/dtm/");
        assertThat(based.status()).isEqualTo(200);
        assertThat(based.body()).contains("src=\"/dtm/assets/app.js\"").contains("content=\"/dtm\"");
        assertThat(api.get("/dtm").status()).isEqualTo(200);
        assertThat(api.get("/dtm/admin/x").status()).isEqualTo(200);
        assertThat(api.get("/dtm/assets/app.css").body()).contains(".badge");
    }
}
