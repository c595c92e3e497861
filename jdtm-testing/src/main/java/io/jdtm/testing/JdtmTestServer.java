package io.jdtm.testing;

import io.jdtm.client.DtmClient;
import io.jdtm.client.TransInfo;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.opentest4j.AssertionFailedError;

/**
 * A real jdtm server for tests, in this JVM: the embedded store in a new temporary directory, the HTTP and gRPC APIs
 * on free ports of {@code 127.0.0.1}, and a {@link DtmClient} bound to it. The role of OkHttp's MockWebServer: the
 * application under test talks to {@link #dtmUrl()} (or {@link #grpcTarget()}) as it would to a deployed TM, and the
 * test waits for and checks the outcome with {@link #awaitStatus} and {@link #query}.
 *
 * <p>{@link JdtmTest @JdtmTest} starts and stops one for a test class; without JUnit, use
 * {@code try (JdtmTestServer tm = JdtmTestServer.start()) { ... }}. {@link #close()} stops the server and deletes its
 * data. Thread-safe.
 */
public final class JdtmTestServer implements AutoCloseable {
    /** How long {@link #awaitStatus(String, TransStatus)} waits. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 20;
    private static final String HOST = "127.0.0.1";

    private final Path dataDir;
    private final JdtmServer server;
    private final DtmClient client;
    private boolean closed;

    private JdtmTestServer(Builder b) {
        try {
            this.dataDir = Files.createTempDirectory("jdtm-test");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a data directory for the jdtm test server", e);
        }
        try {
            JdtmServer.Builder sb = JdtmServer.builder().config(b.config).httpPort(0).grpcPort(0).dataDir(dataDir)
                    .host(HOST).poller(b.poller);
            this.server = (b.openTelemetry == null ? sb : sb.openTelemetry(b.openTelemetry)).start();
        } catch (RuntimeException e) {
            deleteTree(dataDir);
            throw e;
        }
        // with Auth on, the test's own client (query, awaitStatus) sends a token that may do everything
        var auth = b.config.auth();
        String token = !auth.adminTokenList().isEmpty() ? auth.adminTokenList().getFirst()
                : auth.tokenList().isEmpty() ? null : auth.tokenList().getFirst();
        DtmClient.Builder cb = DtmClient.builder().serverUrl(dtmUrl());
        this.client = (token == null ? cb : cb.bearerToken(token)).build();
    }

    /** A server with the default configuration and the background poller off. */
    public static JdtmTestServer start() {
        return builder().start();
    }

    /** A server with other settings: the poller, or configuration keys such as {@code RetryInterval}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a {@link JdtmTestServer}. Not thread-safe. */
    public static final class Builder {
        private ServerConfig config = ServerConfig.defaults();
        private boolean poller;
        private io.opentelemetry.api.OpenTelemetry openTelemetry;

        private Builder() {}

        /**
         * The server's configuration, default {@link ServerConfig#defaults()}. The ports and the embedded store's
         * data directory are always the test server's own (free ports, a temporary directory).
         */
        public Builder config(ServerConfig c) {
            this.config = Objects.requireNonNull(c, "config");
            return this;
        }

        /**
         * Whether the background poller runs (retries every {@code RetryInterval}, times out prepared
         * transactions); default off, and the test calls {@link JdtmTestServer#runPoller} when it wants a round.
         */
        public Builder poller(boolean run) {
            this.poller = run;
            return this;
        }

        /**
         * Traces the server with this OpenTelemetry instance (e.g. the test's SDK with an in-memory exporter), so the
         * test sees the TM's spans beside its own; default: no tracing.
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry otel) {
            this.openTelemetry = Objects.requireNonNull(otel, "openTelemetry");
            return this;
        }

        public JdtmTestServer start() {
            return new JdtmTestServer(this);
        }
    }

    /**
     * The HTTP API's base URL, {@code http://127.0.0.1:<port>/api/dtmsvr} ({@code https} with {@code Tls} on): what
     * applications call DTM's URL.
     */
    public String dtmUrl() {
        String scheme = server.config().tls().enabled() ? "https" : "http";
        return scheme + "://" + HOST + ":" + server.httpPort() + "/api/dtmsvr";
    }

    /** The gRPC API's address ({@code dtmgimp.Dtm}), {@code 127.0.0.1:<port>}. */
    public String grpcTarget() {
        return HOST + ":" + server.grpcPort();
    }

    public int httpPort() {
        return server.httpPort();
    }

    public int grpcPort() {
        return server.grpcPort();
    }

    /** An HTTP {@link DtmClient} for {@link #dtmUrl()}; owned by this server, which closes it. */
    public DtmClient client() {
        return client;
    }

    /** The TM's view of one transaction (status, branches); empty when it does not know the gid. */
    public Optional<TransInfo> query(String gid) {
        return client.query(gid);
    }

    /** {@link #awaitStatus(String, TransStatus, Duration)} with {@link #DEFAULT_TIMEOUT}. */
    public TransInfo awaitStatus(String gid, TransStatus expected) {
        return awaitStatus(gid, expected, DEFAULT_TIMEOUT);
    }

    /**
     * Waits until the transaction has status {@code expected} and returns it. Fails at once when it reached another
     * final status (a final status never changes), or when {@code timeout} passed; the failure names the status it
     * had and lists its branches.
     *
     * @throws AssertionFailedError when the transaction does not reach {@code expected}
     */
    public TransInfo awaitStatus(String gid, TransStatus expected, Duration timeout) {
        Objects.requireNonNull(expected, "expected");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<TransInfo> now = query(gid);
            if (now.isPresent()) {
                TransInfo t = now.get();
                if (t.status() == expected) {
                    return t;
                }
                if (t.status().isFinal()) {
                    throw new AssertionFailedError("transaction '" + gid + "' ended " + t.status() + ", expected "
                            + expected + describe(t), expected, t.status());
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionFailedError(now
                        .map(t -> "transaction '" + gid + "' did not reach " + expected + " within " + seconds(timeout)
                                + ": it is still " + t.status() + describe(t))
                        .orElseGet(() -> "transaction '" + gid + "' is unknown to the jdtm test server at " + dtmUrl()
                                + " (waited " + seconds(timeout) + "): was it submitted to this server?"),
                        expected, now.map(TransInfo::status).orElse(null));
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for transaction '" + gid + "'", e);
            }
        }
    }

    /**
     * One synchronous round of the TM's poller, which retries branches and times out prepared transactions: every
     * transaction due within {@code lookahead} from now is treated as due, so {@code runPoller(Duration.ofMinutes(1))}
     * retries a branch whose next attempt was scheduled 10 s ahead. Returns how many transactions it drove.
     */
    public int runPoller(Duration lookahead) {
        return server.poller().runOnce(lookahead);
    }

    /** Stops the server and deletes its data directory; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.close();
        } finally {
            server.close();
            deleteTree(dataDir);
        }
    }

    private static String describe(TransInfo t) {
        StringBuilder s = new StringBuilder();
        s.append(" (").append(t.transType()).append(")");
        if (!t.rollbackReason().isEmpty()) {
            s.append("\n  rollback reason: ").append(t.rollbackReason());
        }
        if (t.branches().isEmpty()) {
            s.append("\n  no branches");
        } else {
            s.append("\n  branches (branch_id op status url):");
            for (TransInfo.Branch b : t.branches()) {
                s.append("\n    ").append(b.branchId()).append(' ').append(b.op()).append(' ').append(b.status())
                        .append(b.url().isEmpty() ? "" : " " + b.url());
            }
        }
        return s.toString();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover temporary directory is harmless; the test's outcome must not depend on it
        }
    }
}
