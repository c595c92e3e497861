package io.jdtm.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.Http;
import io.jdtm.client.internal.HttpTransport;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.TransType;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The entry point of the SDK: one TM address, and factories for every transaction mode. Build it once with
 * {@link #builder()} and share it; it is immutable and thread-safe. Close it when the application stops (it owns an
 * HTTP client unless you passed your own).
 *
 * <pre>{@code
 * try (DtmClient dtm = DtmClient.builder().serverUrl("http://localhost:36789/api/dtmsvr").build()) {
 *     dtm.saga(dtm.newGid())
 *        .add(svc + "/TransOut", svc + "/TransOutRevert", Map.of("amount", 30))
 *        .add(svc + "/TransIn", svc + "/TransInRevert", Map.of("amount", 30))
 *        .submit();
 * }
 * }</pre>
 *
 * <p>It speaks only DTM's wire protocol (through a {@link Transport}; HTTP by default), so the same code runs
 * against jdtm and against an unchanged DTM server.
 */
public final class DtmClient implements AutoCloseable {

    /** DTM's default HTTP address. */
    public static final String DEFAULT_SERVER_URL = "http://localhost:36789/api/dtmsvr";

    private final Transport transport;
    private final Http http;
    private final HttpClient ownedHttpClient;
    private final ObjectMapper mapper;
    private final Duration requestTimeout;

    private DtmClient(Builder b) {
        HttpClient hc = b.httpClient;
        this.ownedHttpClient = hc == null
                ? HttpClient.newBuilder().connectTimeout(b.requestTimeout).version(HttpClient.Version.HTTP_1_1).build()
                : null;
        this.http = new Http(hc == null ? ownedHttpClient : hc, b.requestTimeout);
        this.transport = b.transport != null ? b.transport : new HttpTransport(b.serverUrl, http);
        this.mapper = b.mapper;
        this.requestTimeout = b.requestTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The TM address branches are told about (the {@code dtm} parameter), e.g. {@code http://host:36789/api/dtmsvr}. */
    public String serverUrl() {
        return transport.serverAddress();
    }

    /** The SDK's timeout for calls to the TM and to RMs when a transaction sets none. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * Asks the TM for a fresh global id ({@code GET /newGid}). You may also use your own unique ids.
     *
     * @throws DtmUnknownException when the TM cannot be reached (retryable)
     */
    public String newGid() {
        return transport.newGid();
    }

    /**
     * The TM's view of one transaction ({@code GET /query?gid=}); empty when the TM does not know the gid.
     *
     * @throws IllegalArgumentException when {@code gid} is null or empty
     * @throws DtmUnknownException when the TM cannot be reached (retryable)
     */
    public Optional<TransInfo> query(String gid) {
        Checks.gid(gid);
        return TransInfo.fromQuery(transport.query(gid));
    }

    /** A new, empty saga with this gid; add steps and {@link Saga#submit()}. */
    public Saga saga(String gid) {
        return new Saga(this, Checks.gid(gid));
    }

    /** A new, empty two-phase message with this gid. */
    public Msg msg(String gid) {
        return new Msg(this, Checks.gid(gid));
    }

    /**
     * Runs a TCC global transaction (spec §12.5): {@code prepare}, then {@code body}, which calls Try branches with
     * {@link Tcc#callBranch}; on normal return {@code submit} (the TM confirms), on an exception {@code abort} with
     * the exception text as rollback reason (the TM cancels) and the exception is rethrown — unchecked exceptions as
     * they are, checked ones wrapped in {@link DtmFailureException}.
     */
    public void tcc(String gid, Tcc.Body body) {
        tcc(gid, TransactionOptions.DEFAULTS, body);
    }

    /** {@link #tcc(String, Tcc.Body)} with options (e.g. a timeout or branch headers). */
    public void tcc(String gid, TransactionOptions options, Tcc.Body body) {
        Checks.gid(gid);
        Checks.notNull("options", options);
        Checks.notNull("tcc body", body);
        Tcc tcc = new Tcc(this, transport, gid, options, new BranchIdGenerator());
        GlobalTransactions.run(transport, gid, TransType.TCC, options, true, () -> body.run(tcc));
    }

    /**
     * The TCC transaction an RM handler is part of, rebuilt from the Try request's query parameters ({@code dtm},
     * {@code gid}, {@code branch_id}), to register nested sub-branches ({@code 0201}, …) with
     * {@link Tcc#callBranch}. Nothing is prepared or submitted: the outer transaction owns that.
     *
     * @throws IllegalArgumentException when {@code dtm} or {@code gid} is missing
     */
    public Tcc tccFromQuery(Map<String, String> query) {
        Checks.notNull("query", query);
        String dtm = Checks.url("query parameter 'dtm'", query.get("dtm"));
        String gid = Checks.gid(query.get("gid"));
        Transport t = dtm.equals(transport.serverAddress()) ? transport : new HttpTransport(dtm, http);
        return new Tcc(this, t, gid, TransactionOptions.DEFAULTS,
                new BranchIdGenerator(query.getOrDefault("branch_id", "")));
    }

    /**
     * Runs an XA global transaction (AP side, spec §12.6): {@code prepare}, then {@code body}, which calls branches
     * with {@link Xa#callBranch}; on normal return {@code submit} (the TM commits every branch), on an exception
     * {@code abort} (the TM rolls back) and the exception is rethrown as for {@link #tcc}.
     */
    public void xa(String gid, Xa.Body body) {
        xa(gid, TransactionOptions.DEFAULTS, body);
    }

    /** {@link #xa(String, Xa.Body)} with options. */
    public void xa(String gid, TransactionOptions options, Xa.Body body) {
        Checks.gid(gid);
        Checks.notNull("options", options);
        Checks.notNull("xa body", body);
        Xa xa = new Xa(this, gid, options, new BranchIdGenerator());
        GlobalTransactions.run(transport, gid, TransType.XA, options, false, () -> body.run(xa));
    }

    /**
     * The RM-side XA helper over an XA data source (MariaDB {@code MariaDbDataSource}, PostgreSQL
     * {@code PGXADataSource}), with the barrier table {@value BranchBarrier#DEFAULT_TABLE}.
     */
    public XaLocal xaLocal(javax.sql.XADataSource xaDataSource) {
        return new XaLocal(this, Checks.notNull("xaDataSource", xaDataSource), BranchBarrier.DEFAULT_TABLE);
    }

    /**
     * A workflow engine (spec §7) whose resume callback is {@code callbackUrl}, a URL this application serves with
     * {@link Workflows#handleCallback}. Create one per application and register the workflows at start-up.
     */
    public Workflows workflows(String callbackUrl) {
        return Workflows.create(this, callbackUrl);
    }

    Transport transport() {
        return transport;
    }

    Http http() {
        return http;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    @Override
    public void close() {
        transport.close();
        if (ownedHttpClient != null) {
            ownedHttpClient.close();
        }
    }

    /** Single-threaded builder of a {@link DtmClient}; {@link #build()} validates once. */
    public static final class Builder {
        private String serverUrl = DEFAULT_SERVER_URL;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Transport transport;
        private HttpClient httpClient;
        private ObjectMapper mapper = DtmJson.mapper();

        private Builder() {}

        /** The TM's HTTP base URL, default {@value #DEFAULT_SERVER_URL}. */
        public Builder serverUrl(String url) {
            Checks.url("serverUrl", url);
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new IllegalArgumentException("serverUrl must start with http:// or https://, was '" + url + "'");
            }
            this.serverUrl = url;
            return this;
        }

        /** Timeout of each call to the TM and to RMs when a transaction sets none; default 10 s. */
        public Builder requestTimeout(Duration d) {
            Checks.notNull("requestTimeout", d);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("requestTimeout must be positive, was " + d);
            }
            this.requestTimeout = d;
            return this;
        }

        /** Replaces the HTTP transport to the TM (e.g. with gRPC); {@link #serverUrl} is then ignored. */
        public Builder transport(Transport t) {
            this.transport = Checks.notNull("transport", t);
            return this;
        }

        /** Uses your JDK HTTP client (TLS, proxy, executor) instead of creating one; you keep closing it. */
        public Builder httpClient(HttpClient c) {
            this.httpClient = Checks.notNull("httpClient", c);
            return this;
        }

        /** The mapper that serialises payloads; default is DTM's wire mapper. */
        public Builder objectMapper(ObjectMapper m) {
            this.mapper = Checks.notNull("objectMapper", m);
            return this;
        }

        public DtmClient build() {
            return new DtmClient(this);
        }
    }
}
