package io.jdtm.spring.autoconfigure;

import io.jdtm.client.DtmClient;
import io.jdtm.client.TransactionOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code jdtm.*} properties: how the auto-configured {@link DtmClient} reaches the TM, the defaults of every
 * global transaction it starts, and the barrier table. Bound once at start-up and validated when the client is built
 * (a bad URL or a negative duration stops the application with a message naming the key). The field comments are
 * the descriptions IDEs show.
 */
@ConfigurationProperties(prefix = "jdtm")
public class JdtmProperties {

    /** How the SDK talks to the TM. */
    public enum Protocol {
        /** DTM's HTTP API ({@code /api/dtmsvr}); the TM calls branches over HTTP. */
        HTTP,
        /**
         * DTM's gRPC API ({@code dtmgimp.Dtm}); the TM calls {@code host:port/package.Service/Method} branches over
         * gRPC (and {@code http://} branches over HTTP). Needs a gRPC transport such as io.grpc:grpc-netty-shaded.
         */
        GRPC
    }

    /**
     * How the client talks to the TM: http (DTM's REST API) or grpc (DTM's gRPC API, needed for branches that are
     * gRPC methods).
     */
    private Protocol protocol = Protocol.HTTP;

    /**
     * The TM's HTTP API base URL. With protocol http it is the TM's address (default
     * http://localhost:36789/api/dtmsvr); with protocol grpc it is used only for query, which DTM's gRPC API lacks,
     * and query is unavailable when it is unset.
     */
    private String serverUrl;

    /** The TM's gRPC address (host:port), used when protocol is grpc. */
    private String grpcTarget = "localhost:36790";

    /** Timeout of each call to the TM, and of the SDK's own calls to branches when a transaction sets none. */
    private Duration requestTimeout = Duration.ofSeconds(10);

    private final Transaction transaction = new Transaction();

    private final Barrier barrier = new Barrier();

    private final Web web = new Web();

    private final Metrics metrics = new Metrics();

    public Protocol getProtocol() {
        return protocol;
    }

    public void setProtocol(Protocol protocol) {
        this.protocol = protocol;
    }

    public String getServerUrl() {
        return serverUrl;
    }

    public void setServerUrl(String serverUrl) {
        this.serverUrl = serverUrl;
    }

    public String getGrpcTarget() {
        return grpcTarget;
    }

    public void setGrpcTarget(String grpcTarget) {
        this.grpcTarget = grpcTarget;
    }

    public Duration getRequestTimeout() {
        return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public Transaction getTransaction() {
        return transaction;
    }

    public Barrier getBarrier() {
        return barrier;
    }

    public Web getWeb() {
        return web;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    /**
     * The client's builder with these values (the TM address, the protocol, the timeout and the transaction
     * defaults), for {@code DtmClientBuilderCustomizer}s to refine.
     *
     * @throws IllegalArgumentException naming the {@code jdtm.*} key whose value the client refused
     */
    public DtmClient.Builder toBuilder() {
        DtmClient.Builder b = DtmClient.builder();
        apply("jdtm.request-timeout", () -> b.requestTimeout(requestTimeout));
        if (protocol == Protocol.GRPC) {
            apply("jdtm.grpc-target", () -> b.grpcTarget(grpcTarget));
        }
        if (serverUrl != null && !serverUrl.isBlank()) {
            apply("jdtm.server-url", () -> b.serverUrl(serverUrl));
        }
        apply("jdtm.transaction", () -> b.defaultOptions(transaction.toOptions()));
        return b;
    }

    private static void apply(String key, Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    /** Defaults of every global transaction the client starts (DTM's transaction options). */
    public static class Transaction {

        /**
         * Whether submit waits for the TM's first processing pass and reports a rolled-back or unfinished
         * transaction as DtmFailureException / DtmOngoingException (DTM's WaitResult).
         */
        private boolean waitResult;

        /** Roll the transaction back when it has not finished after this long (DTM's TimeoutToFail); unset: the
         *  server's default. */
        private Duration timeoutToFail;

        /** Base interval between the TM's retries of a branch that errs; the TM doubles it after each error (DTM's
         *  RetryInterval). Unset: the server's default. */
        private Duration retryInterval;

        /** Timeout of each call the TM makes to a branch (DTM's RequestTimeout); unset: the server's default. */
        private Duration requestTimeout;

        /** Saga only: how many times the TM retries a failing branch at once before rolling back; 0: never. */
        private long retryLimit;

        /**
         * Extra HTTP headers (gRPC metadata) the TM sends on every call to a branch (DTM's BranchHeaders), for
         * example an authorization token the branches check.
         */
        private Map<String, String> branchHeaders = new LinkedHashMap<>();

        public boolean isWaitResult() {
            return waitResult;
        }

        public void setWaitResult(boolean waitResult) {
            this.waitResult = waitResult;
        }

        public Duration getTimeoutToFail() {
            return timeoutToFail;
        }

        public void setTimeoutToFail(Duration timeoutToFail) {
            this.timeoutToFail = timeoutToFail;
        }

        public Duration getRetryInterval() {
            return retryInterval;
        }

        public void setRetryInterval(Duration retryInterval) {
            this.retryInterval = retryInterval;
        }

        public Duration getRequestTimeout() {
            return requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        public long getRetryLimit() {
            return retryLimit;
        }

        public void setRetryLimit(long retryLimit) {
            this.retryLimit = retryLimit;
        }

        public Map<String, String> getBranchHeaders() {
            return branchHeaders;
        }

        public void setBranchHeaders(Map<String, String> branchHeaders) {
            this.branchHeaders = branchHeaders;
        }

        /** These values as the SDK's options; unset durations stay at the server's default. */
        public TransactionOptions toOptions() {
            TransactionOptions.Builder o = TransactionOptions.builder().waitResult(waitResult).retryLimit(retryLimit)
                    .branchHeaders(branchHeaders);
            if (timeoutToFail != null) {
                o.timeoutToFail(timeoutToFail);
            }
            if (retryInterval != null) {
                o.retryInterval(retryInterval);
            }
            if (requestTimeout != null) {
                o.requestTimeout(requestTimeout);
            }
            return o.build();
        }
    }

    /** The SQL barrier. */
    public static class Barrier {

        /**
         * The barrier table (schema.table) in the application's database; create it with the SDK's
         * barrier.postgres.sql / barrier.mysql.sql.
         */
        private String table = "dtm_barrier.barrier";

        public String getTable() {
            return table;
        }

        public void setTable(String table) {
            this.table = table;
        }
    }

    /** Spring MVC branch handlers. */
    public static class Web {

        /**
         * Whether Spring MVC handlers get a BranchContext argument from DTM's query parameters and
         * DtmFailureException / DtmOngoingException become DTM's 409 / 425 answers.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** Micrometer metrics of the client's calls to the TM. */
    public static class Metrics {

        /**
         * Whether every call to the TM is timed in the timer jdtm.client.requests (tags operation, outcome), when
         * Micrometer is present.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }
}
