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
import io.jdtm.server.branch.DestinationPolicy;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
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
import io.jdtm.server.store.StoreWait;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.tracing.HttpTracing;
import io.jdtm.server.tracing.Tracing;
import io.jdtm.server.trans.TransService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running transaction manager: the HTTP API on {@link #httpPort()}, the gRPC API on {@link #grpcPort()} and the
 * poller, over the store it opened from its configuration. Embed one with
 * <pre>{@code
 * try (JdtmServer tm = JdtmServer.builder().httpPort(0).grpcPort(0).dataDir(Path.of("tm-data")).start()) {
 *     String url = tm.dtmUrl(); // http://localhost:<port>/api/dtmsvr
 * }
 * }</pre>
 * {@link #close()} stops it cleanly (see {@link #stop(Duration)}) and closes the store. Several instances may run in one JVM (tests;
 * give them port 0) or share one server store (PostgreSQL, MySQL, Redis) across processes. Thread-safe.
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
    private final Tracing tracing;
    private boolean stopped;

    private JdtmServer(Builder b, ServerConfig config, TransStore store) {
        this.config = config;
        this.store = store;
        ServerMetrics metrics = new ServerMetrics(Version.current());
        BearerAuth auth = BearerAuth.of(config.auth());
        BranchTls branchTls = BranchTls.of(config.branchTls());
        this.tracing = b.openTelemetry != null ? Tracing.of(b.openTelemetry)
                : Tracing.from(config.tracing(), System.getenv());
        this.caller = new BranchCaller(Duration.ofSeconds(Math.max(1, config.requestTimeout())),
                System.getenv("IS_DOCKER") != null && !System.getenv("IS_DOCKER").isEmpty(),
                config.grpcServiceConfig(), branchTls, DestinationPolicy.from(config.branchPolicy()));
        this.service = new TransService(store, caller, b.clock, config, metrics, tracing);
        this.poller = new Poller(service, b.clock, Duration.ofSeconds(config.retryInterval()),
                Duration.ofSeconds(config.transCronInterval()), config.cronBatch(), config.cronConcurrency());
        metrics.poller(poller::currentLimit, poller::inFlight, poller::claims, poller::claimed);
        metrics.store(store::writerStats);
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
                    // how long stop() lets requests in progress finish; idle keep-alive connections close at once
                    .shutdownGracePeriod(Duration.ofSeconds(config.shutdownGrace()))
                    .shutdownHook(false)
                    // HTTP/1.1 and HTTP/1.0 (Helidon alone refuses 1.0), and JSON answers to malformed requests
                    .protocolsDiscoverServices(false)
                    .addConnectionSelector(new Http10Selector(Http1Config.create()))
                    .directHandlers(TransportErrors.handlers())
                    .routing(r -> {
                        if (tracing.enabled()) {
                            r.addFilter(new HttpTracing(tracing)); // first: refused calls are traced too
                        }
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
            tracing.close();
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
        if (tracing.enabled()) {
            log.info("tracing: on (OpenTelemetry, {})", b.openTelemetry != null ? "the embedding application's"
                    : "OTLP, configured by Tracing.* and the OTEL_ environment variables");
        }
    }

    /** A builder over {@link ServerConfig#defaults()}: DTM's ports 36789/36790, the embedded store in {@code ./jdtm-data}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * How to start a server: a whole configuration ({@link #config}, e.g. from {@link io.jdtm.server.config.ConfigLoader})
     * and single settings over it, which win whatever the order of the calls. {@link #start()} opens the store the
     * configuration names and hands it to the server, which closes it on {@link JdtmServer#close()}. Not thread-safe.
     */
    public static final class Builder {
        private ServerConfig config = ServerConfig.defaults();
        private StoreConfig storeConfig;
        private Path dataDir;
        private Integer httpPort;
        private Integer grpcPort;
        private boolean resetStore;
        private Clock clock = Clock.systemUTC();
        private boolean poller = true;
        private String host = "0.0.0.0";
        private io.opentelemetry.api.OpenTelemetry openTelemetry;
        private UnaryOperator<TransStore> storeWrapper = UnaryOperator.identity();

        private Builder() {}

        /**
         * The whole configuration; default {@link ServerConfig#defaults()}. It is used as given: check one built in
         * code with {@link io.jdtm.server.config.ConfigLoader#validate(ServerConfig)}.
         */
        public Builder config(ServerConfig c) {
            this.config = Objects.requireNonNull(c, "config");
            return this;
        }

        /** The {@code Store} section (driver, host, credentials...), replacing the configuration's. */
        public Builder store(StoreConfig s) {
            this.storeConfig = Objects.requireNonNull(s, "store");
            return this;
        }

        /**
         * Wraps the store once it is open (after a reset), e.g. to count or slow down its calls in a test; the server
         * uses what this returns and closes it on {@link JdtmServer#close()}. Default: the store itself.
         */
        public Builder storeWrapper(UnaryOperator<TransStore> wrapper) {
            this.storeWrapper = Objects.requireNonNull(wrapper, "wrapper");
            return this;
        }

        /** The embedded store's directory ({@code Store.DataDir}), created on first start. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /** The HTTP API's port ({@code HttpPort}); 0 picks a free one, see {@link JdtmServer#httpPort()}. */
        public Builder httpPort(int port) {
            this.httpPort = checkPort(port);
            return this;
        }

        /** The gRPC API's port ({@code GrpcPort}); 0 picks a free one, see {@link JdtmServer#grpcPort()}. */
        public Builder grpcPort(int port) {
            this.grpcPort = checkPort(port);
            return this;
        }

        /** Whether to delete every transaction in the store before starting (the command's {@code -r}). */
        public Builder resetStore(boolean reset) {
            this.resetStore = reset;
            return this;
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

        /**
         * Traces with this OpenTelemetry instance (the embedding application's, or a test's with an in-memory
         * exporter) instead of one built from the {@code Tracing} keys; the server never closes it.
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry otel) {
            this.openTelemetry = Objects.requireNonNull(otel, "openTelemetry");
            return this;
        }

        /** {@link #config} with the single settings applied. */
        private ServerConfig effectiveConfig() {
            ServerConfig c = config;
            if (storeConfig != null) {
                c = c.withStore(storeConfig);
            }
            if (dataDir != null) {
                c = c.withStore(c.store().withDataDir(dataDir.toString()));
            }
            if (httpPort != null) {
                c = c.withHttpPort(httpPort);
            }
            if (grpcPort != null) {
                c = c.withGrpcPort(grpcPort);
            }
            return c;
        }

        /**
         * Opens the store, resets it if asked, and starts the APIs and (unless turned off) the poller.
         *
         * @throws io.jdtm.server.store.StoreException when the store cannot be opened
         * @throws IllegalArgumentException when the configuration names an unknown store driver
         */
        public JdtmServer start() {
            ServerConfig c = effectiveConfig();
            TransStore store;
            try {
                // waits while a server store cannot be reached (StoreWaitTimeout); the embedded one opens at once
                store = StoreWait.open(c.store(), Duration.ofSeconds(c.storeWaitTimeout()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreWait.Interrupted();
            }
            try {
                if (resetStore) {
                    log.warn("resetting the {} store: every transaction in it is deleted", store.name());
                    store.reset();
                }
                store = Objects.requireNonNull(storeWrapper.apply(store), "the store wrapper returned null");
                return new JdtmServer(this, c, store);
            } catch (RuntimeException e) {
                try {
                    store.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not between 0 (any free port) and 65535");
            }
            return port;
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

    /** {@link #stop(Duration)} with {@code ShutdownGrace}. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(config.shutdownGrace()));
    }

    /**
     * Stops cleanly, within about {@code grace}: the listeners close (new HTTP connections are refused, new gRPC
     * calls answered {@code UNAVAILABLE}) and the poller stops claiming; requests and passes in progress get
     * {@code grace} to finish. A pass stops before its next branch call and releases its lease due at once (it is
     * "handed back"), so another instance on the same store continues the transaction at once; a pass whose branch
     * call outlasts {@code grace} keeps its lease only until that call's timeout. Then the branch clients and the
     * store close. Idempotent; a concurrent call waits for the first.
     */
    public synchronized void stop(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        long start = System.nanoTime();
        log.info("stopping jdtm: no new requests; requests and passes in progress get up to {} ms", grace.toMillis());
        service.stopPasses();
        // the listeners close now and wait for their requests in progress (at most grace), which mostly wait for
        // passes: in parallel with the wait for the passes below
        Thread http = Thread.ofPlatform().name("jdtm-stop-http").start(web::stop);
        Thread rpc = Thread.ofPlatform().name("jdtm-stop-grpc").start(() -> grpc.close(grace));
        poller.close();
        housekeeper.close();
        Duration left = grace.minusNanos(System.nanoTime() - start);
        TransService.StopReport r = service.awaitPasses(left.isNegative() ? Duration.ZERO : left);
        join(http, grace);
        join(rpc, grace);
        caller.close();
        tracing.close(); // flushes the spans still buffered
        service.close(); // the attempt history still buffered, before the store goes
        if (tls != null) {
            tls.close();
        }
        store.close();
        log.info("jdtm stopped in {} ms: {} transaction(s) handed back{}",
                Duration.ofNanos(System.nanoTime() - start).toMillis(), r.handedBack(),
                r.stillRunning() == 0 ? "" : "; " + r.stillRunning() + " pass(es) still in a branch call after the"
                        + " grace period, " + r.leasesCut() + " lease(s) cut to the call's timeout");
    }

    private static void join(Thread t, Duration grace) {
        try {
            // the listener's own grace ran in parallel with the passes: a little more is all it can still need
            if (!t.join(grace.plusSeconds(2))) {
                log.warn("{} did not finish; going on", t.getName());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
