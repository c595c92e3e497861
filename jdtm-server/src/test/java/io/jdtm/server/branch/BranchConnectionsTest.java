package io.jdtm.server.branch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** jdtm's pool of keep-alive connections for HTTP branch calls, against a bare socket server. */
class BranchConnectionsTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final Duration IDLE_LIMIT = Duration.ofSeconds(1);

    private final PolicyDnsResolver resolver = new PolicyDnsResolver(DestinationPolicy.DEFAULT);
    private final WebClient client = WebClient.builder().connectTimeout(Duration.ofSeconds(2)).dnsResolver(resolver)
            .proxy(Proxy.noProxy()).followRedirects(false).build();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final BranchConnections pool = new BranchConnections(client, resolver, 2, IDLE_LIMIT, now::get);
    private RawHttpServer rm;

    @AfterEach
    void close() throws IOException {
        pool.close();
        client.closeResource();
        if (rm != null) {
            rm.close();
        }
    }

    private String get(Duration timeout) {
        URI uri = URI.create("http://127.0.0.1:" + rm.port() + "/busi");
        try (HttpClientResponse res = pool.send(uri, c -> client.get().uri(uri).connection(c).readTimeout(timeout)
                .request())) {
            return res.status().code() + " " + res.as(String.class);
        }
    }

    private String get() {
        return get(Duration.ofSeconds(3));
    }

    @Test
    void callsInTurnShareOneKeptAliveConnection() {
        rm = new RawHttpServer(OK);

        assertThat(get()).isEqualTo("200 ok");
        assertThat(get()).isEqualTo("200 ok");
        assertThat(get()).isEqualTo("200 ok");

        assertThat(rm.connections()).isEqualTo(1);
        assertThat(rm.requests()).hasSize(3);
        assertThat(pool.idleCount()).isEqualTo(1);
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedAndTheRequestSentOnce() {
        rm = new RawHttpServer(OK, RawHttpServer.Mode.CLOSE_AFTER_ANSWER);

        assertThat(get()).isEqualTo("200 ok");
        assertThat(get()).isEqualTo("200 ok");
        assertThat(get()).isEqualTo("200 ok");

        assertThat(rm.connections()).isEqualTo(3);
        assertThat(rm.requests()).as("the server read each request once").hasSize(3);
    }

    @Test
    void aTimeoutOnAReusedConnectionIsNotSentAgain() {
        rm = new RawHttpServer(OK, RawHttpServer.Mode.ANSWER_FIRST_ONLY);
        assertThat(get()).isEqualTo("200 ok");

        assertThatThrownBy(() -> get(Duration.ofMillis(300))).isInstanceOf(RuntimeException.class);

        assertThat(rm.connections()).isEqualTo(1);
        assertThat(rm.requests()).hasSize(2);
        assertThat(pool.idleCount()).as("the timed-out connection is not kept").isZero();
    }

    @Test
    void aConnectionIdleLongerThanTheLimitIsClosedInsteadOfReused() {
        rm = new RawHttpServer(OK);
        assertThat(get()).isEqualTo("200 ok");
        now.addAndGet(IDLE_LIMIT.toNanos() + 1);

        assertThat(get()).isEqualTo("200 ok");

        assertThat(rm.connections()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> rm.closedByClient() == 1);
    }

    @Test
    void theSweepClosesConnectionsIdleLongerThanTheLimitAndKeepsTheOthers() throws Exception {
        rm = new RawHttpServer(OK);
        assertThat(get()).isEqualTo("200 ok");
        now.addAndGet(IDLE_LIMIT.toNanos() / 2);
        pool.sweep();
        assertThat(pool.idleCount()).isEqualTo(1);

        now.addAndGet(IDLE_LIMIT.toNanos());
        pool.sweep();

        assertThat(pool.idleCount()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> rm.closedByClient() == 1);
    }

    @Test
    void noMoreIdleConnectionsThanTheCapAreKept() throws Exception {
        rm = new RawHttpServer(OK);
        URI uri = URI.create("http://127.0.0.1:" + rm.port() + "/busi");
        HttpClientResponse[] open = new HttpClientResponse[3];
        for (int i = 0; i < open.length; i++) {
            open[i] = pool.send(uri, c -> client.get().uri(uri).connection(c).request());
        }
        for (HttpClientResponse r : open) {
            assertThat(r.as(String.class)).isEqualTo("ok");
            r.close();
        }

        assertThat(rm.connections()).isEqualTo(3);
        assertThat(pool.idleCount()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> rm.closedByClient() == 1);
    }

    @Test
    void closingThePoolClosesItsIdleConnections() {
        rm = new RawHttpServer(OK);
        assertThat(get()).isEqualTo("200 ok");

        pool.close();

        assertThat(pool.idleCount()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> rm.closedByClient() == 1);
    }
}
