package io.jdtm.server;

import io.grpc.InsecureServerCredentials;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;
import io.jdtm.server.api.Http10Selector;
import io.helidon.webserver.WebServerConfig;
import io.jdtm.server.admin.AdminUi;
import io.jdtm.server.api.HttpApi;
import io.jdtm.server.api.TransportErrors;
import io.jdtm.server.branch.BranchCaller;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.cron.Housekeeper;
import io.jdtm.server.cron.Poller;
import io.jdtm.server.grpc.GrpcServer;
import io.jdtm.server.metrics.ServerMetrics;
import io.jdtm.server.security.BearerAuth;
import io.jdtm.server.security.BranchTls;
import io.jdtm.server.security.GrpcAuthInterceptor;
import io.jdtm.server.security.CrossSiteFilter;
import io.jdtm.server.security.HttpAuthFilter;
import io.jdtm.server.security.ServerTls;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.trans.TransService;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running transaction manager: the HTTP API on {@link #httpPort()}, the gRPC API on {@link #grpcPort()} and the
 * poller, over one {@link TransStore}. Start one with {@link #start(ServerConfig, TransStore)} or
 * {@link #builder(ServerConfig, TransStore)}; {@link #close()} stops the APIs and the poller and closes the store.
 * Several instances may run in one JVM (tests; give them {@code HttpPort} and {@code GrpcPort} 0) or share one store
 * across processes.
 */
public final class JdtmServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JdtmServer.class);
    /** Bodies beyond this are refused by the web server without being read (connection closed). */
    private static final long HARD_BODY_LIMIT = 64L * 1024 * 1024;

    private final ServerConfig config;
    private final TransStore store;
    private final BranchCaller caller;
    private final TransService service;
    private final Poller poller;
    private final Housekeeper housekeeper;
    private final WebServer web;
    private final GrpcServer grpc;
    private final ServerTls tls;

    private JdtmServer(Builder b) {
        this.config = b.config;
        this.store = b.store;
        ServerMetrics metrics = new ServerMetrics(Version.current());
        BearerAuth auth = BearerAuth.of(config.auth());
        BranchTls branchTls = BranchTls.of(config.branchTls());
        this.caller = new BranchCaller(Duration.ofSeconds(Math.max(1, config.requestTimeout())),
                System.getenv("IS_DOCKER") != null && !System.getenv("IS_DOCKER").isEmpty(),
                config.grpcServiceConfig(), branchTls);
        this.service = new TransService(store, caller, b.clock, config, metrics);
        this.poller = new Poller(service, b.clock, Duration.ofSeconds(config.retryInterval()),
                Duration.ofSeconds(config.transCronInterval()), config.cronBatch(), config.cronConcurrency());
        this.housekeeper = new Housekeeper(store, b.clock, Duration.ofSeconds(config.store().retention()));
        HttpApi api = new HttpApi(service, metrics, zone(config), Version.current(), config.timeoutToFail(),
                config.maxBodyBytes());
        AdminUi ui = new AdminUi(config.adminBasePath());
        ServerTls serverTls = null;
        WebServer webServer = null;
        try {
            serverTls = config.tls().enabled() ? ServerTls.start(config.tls()) : null;
            WebServerConfig.Builder wb = WebServer.builder()
                    .host(b.host)
                    .port(config.httpPort())
                    // HttpApi answers bodies over MaxBodyBytes with a readable 413; only far larger ones are cut off
                    .maxPayloadSize(Math.max(HARD_BODY_LIMIT, config.maxBodyBytes()))
                    .shutdownHook(false)
                    // HTTP/1.1 and HTTP/1.0 (Helidon alone refuses 1.0), and JSON answers to malformed requests
                    .protocolsDiscoverServices(false)
                    .addConnectionSelector(new Http10Selector(Http1Config.create()))
                    .directHandlers(TransportErrors.handlers())
                    .routing(r -> {
                        api.routing(r);
                        ui.routing(r);
                        // cross-site browser requests never reach the API (docs/admin-ui.md)
                        r.addFilter(new CrossSiteFilter());
                        if (auth.enabled()) {
                            // after HttpApi's metrics filter, which so counts refused calls as failed ones too
                            r.addFilter(HttpAuthFilter.forApi(auth, config.auth().metricsOpen(), metrics));
                        }
                    });
            if (serverTls != null) {
                wb.tls(serverTls.helidonTls());
            }
            webServer = wb.build().start();
            this.grpc = GrpcServer.start(service, metrics, b.host, config.grpcPort(), config.maxBodyBytes(),
                    serverTls != null ? serverTls.grpcCredentials() : InsecureServerCredentials.create(),
                    auth.enabled() ? new GrpcAuthInterceptor(auth, metrics) : null);
        } catch (RuntimeException e) {
            if (webServer != null) {
                webServer.stop();
            }
            if (serverTls != null) {
                serverTls.close();
            }
            caller.close();
            throw e;
        }
        this.web = webServer;
        this.tls = serverTls;
        if (b.poller) {
            poller.start();
            housekeeper.start();
        }
        log.info("jdtm {} listening on {}://{}:{}/api/dtmsvr and gRPC{} {}:{} (dtmgimp.Dtm), store {}",
                Version.current(), tls != null ? "https" : "http", b.host, this.web.port(),
                tls != null ? " over TLS" : "", b.host, grpc.port(), store.name());
        if (auth.enabled()) {
            log.info("API calls need a bearer token ({} token(s), {} admin token(s)); /api/ping and gRPC health"
                    + " stay open", config.auth().tokenList().size(), config.auth().adminTokenList().size());
        }
        log.info("branch TLS: {}", branchTls);
    }

    /** Starts a server over an opened store, with the system clock and the poller running. */
    public static JdtmServer start(ServerConfig config, TransStore store) {
        return builder(config, store).start();
    }

    public static Builder builder(ServerConfig config, TransStore store) {
        return new Builder(config, store);
    }

    /** Options beyond the configuration: mostly for tests. */
    public static final class Builder {
        private final ServerConfig config;
        private final TransStore store;
        private Clock clock = Clock.systemUTC();
        private boolean poller = true;
        private String host = "0.0.0.0";

        private Builder(ServerConfig config, TransStore store) {
            this.config = Objects.requireNonNull(config, "config");
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The clock every decision is taken with (timeouts, schedules); tests move it forward. */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** Whether the background poller runs; tests drive it with {@link JdtmServer#poller()} instead. */
        public Builder poller(boolean run) {
            this.poller = run;
            return this;
        }

        /** The interface to listen on; default all. */
        public Builder host(String h) {
            this.host = Objects.requireNonNull(h, "host");
            return this;
        }

        public JdtmServer start() {
            return new JdtmServer(this);
        }
    }

    private static ZoneId zone(ServerConfig c) {
        String tz = c.timeZoneOffset();
        if (tz == null || tz.isBlank()) {
            return ZoneId.systemDefault();
        }
        return ZoneOffset.ofHours(Integer.parseInt(tz.trim()));
    }

    /** The port the HTTP API listens on. */
    public int httpPort() {
        return web.port();
    }

    /** The port the gRPC API ({@code dtmgimp.Dtm}) listens on. */
    public int grpcPort() {
        return grpc.port();
    }

    /** The base URL clients use: {@code http://localhost:<port>/api/dtmsvr} ({@code https} with {@code Tls}). */
    public String dtmUrl() {
        return (tls != null ? "https" : "http") + "://localhost:" + httpPort() + "/api/dtmsvr";
    }

    /** The listeners' TLS, when {@code Tls.CertFile} is set: its certificate and {@link ServerTls#reloadIfChanged}. */
    public java.util.Optional<ServerTls> tls() {
        return java.util.Optional.ofNullable(tls);
    }

    public TransStore store() {
        return store;
    }

    /** The poller, for a synchronous {@link Poller#runOnce} in tests or operations tooling. */
    public Poller poller() {
        return poller;
    }

    /** The retention task, for a synchronous {@link Housekeeper#runOnce} in tests or operations tooling. */
    public Housekeeper housekeeper() {
        return housekeeper;
    }

    public ServerConfig config() {
        return config;
    }

    @Override
    public void close() {
        poller.close();
        housekeeper.close();
        web.stop();
        grpc.close();
        caller.close();
        service.close(); // the attempt history still buffered, before the store goes
        if (tls != null) {
            tls.close();
        }
        store.close();
        log.info("jdtm stopped");
    }
}
