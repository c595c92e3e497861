package io.jdtm.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ChannelCredentials;
import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.GrpcChannels;
import io.jdtm.client.internal.GrpcTransport;
import io.jdtm.client.internal.Http;
import io.jdtm.client.internal.HttpTransport;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.TransType;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The entry point of the SDK: one TM address, and factories for every transaction mode. Build it once with
 * {@link #builder()} and share it; it is immutable and thread-safe. Close it when the application stops (it owns an
 * HTTP client unless you passed your own, and its gRPC channels).
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
 * <p>It speaks only DTM's wire protocol (through a {@link Transport}), so the same code runs against jdtm and against an
 * unchanged DTM server: HTTP by default, gRPC with {@link Builder#grpcTarget(String)} — needed for branches that are
 * gRPC methods taking protobuf messages (spec §12.8):
 *
 * <pre>{@code
 * DtmClient dtm = DtmClient.builder()
 *         .grpcTarget("localhost:36790")                       // every TM call over dtmgimp.Dtm
 *         .serverUrl("http://localhost:36789/api/dtmsvr")      // optional: query, which gRPC lacks, over HTTP
 *         .build();
 * dtm.saga(gid).add("bank:50051/busi.Busi/TransOut", "bank:50051/busi.Busi/TransOutRevert", req).submit();
 * }</pre>
 */
public final class DtmClient implements AutoCloseable {

    /** DTM's default HTTP address. */
    public static final String DEFAULT_SERVER_URL = "http://localhost:36789/api/dtmsvr";

    /** DTM's default gRPC address. */
    public static final String DEFAULT_GRPC_TARGET = "localhost:36790";

    private final Transport transport;
    private final Transport queryTransport;
    private final GrpcChannels channels;
    private final Http http;
    private final HttpClient ownedHttpClient;
    private final ObjectMapper mapper;
    private final Duration requestTimeout;
    private final TransactionOptions defaultOptions;
    private final UnaryOperator<Transport> transportWrapper;

    private DtmClient(Builder b) {
        this.channels = b.grpcCredentials == null ? new GrpcChannels()
                : new GrpcChannels(b.grpcTarget, b.grpcCredentials);
        HttpClient hc = b.httpClient;
        this.ownedHttpClient = hc == null
                ? HttpClient.newBuilder().connectTimeout(b.requestTimeout).version(HttpClient.Version.HTTP_1_1).build()
                : null;
        this.http = new Http(hc == null ? ownedHttpClient : hc, b.requestTimeout);
        this.transportWrapper = b.transportWrapper;
        if (b.transport != null) {
            this.transport = wrap(b.transport);
            this.queryTransport = transport;
        } else if (b.grpcTarget != null) {
            this.transport = wrap(new GrpcTransport(b.grpcTarget, channels, b.requestTimeout, tmHeaders(b)));
            // gRPC has no query: ask the HTTP API when the application named it
            this.queryTransport = b.serverUrlSet ? wrap(new HttpTransport(b.serverUrl, http, tmHeaders(b)))
                    : transport;
        } else {
            this.transport = wrap(new HttpTransport(b.serverUrl, http, tmHeaders(b)));
            this.queryTransport = transport;
        }
        this.mapper = b.mapper;
        this.requestTimeout = b.requestTimeout;
        this.defaultOptions = b.defaultOptions;
    }

    private Transport wrap(Transport t) {
        return Checks.notNull("the transport returned by wrapTransport", transportWrapper.apply(t));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What every call to the configured TM carries: the bearer token, when there is one. */
    private static Map<String, String> tmHeaders(Builder b) {
        return b.bearerToken == null ? Map.of() : Map.of("Authorization", "Bearer " + b.bearerToken);
    }

    /**
     * The TM address branches are told about (the {@code dtm} parameter, the {@code dtm-dtm} metadata), e.g.
     * {@code http://host:36789/api/dtmsvr}, or {@code host:36790} over gRPC.
     */
    public String serverUrl() {
        return transport.serverAddress();
    }

    /** {@code http} or {@code grpc}: how this client talks to the TM, and so how the TM calls the branches. */
    public String protocol() {
        return transport.protocol();
    }

    /** The SDK's timeout for calls to the TM and to RMs when a transaction sets none. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * The options every transaction of this client starts with ({@link Builder#defaultOptions}); a transaction's own
     * options replace them.
     */
    public TransactionOptions defaultOptions() {
        return defaultOptions;
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
     * The TM's view of one transaction ({@code GET /query?gid=}); empty when the TM does not know the gid. A gRPC
     * client asks the HTTP API at {@link Builder#serverUrl} when it was given one.
     *
     * @throws IllegalArgumentException when {@code gid} is null or empty
     * @throws DtmUnknownException when the TM cannot be reached (retryable)
     * @throws UnsupportedOperationException over gRPC without {@link Builder#serverUrl}: DTM's gRPC API has no query
     */
    public Optional<TransInfo> query(String gid) {
        Checks.gid(gid);
        return TransInfo.fromQuery(queryTransport.query(gid));
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
        tcc(gid, defaultOptions, body);
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
     * {@link Tcc#callBranch}. Nothing is prepared or submitted: the outer transaction owns that. A gRPC handler passes
     * {@code BranchContext.current().toQuery()} ({@code io.jdtm.client.grpc}); its {@code dtm} is a gRPC address and
     * the sub-branches are registered over gRPC.
     *
     * @throws IllegalArgumentException when {@code dtm} or {@code gid} is missing
     */
    public Tcc tccFromQuery(Map<String, String> query) {
        Checks.notNull("query", query);
        String dtm = Checks.url("query parameter 'dtm'", query.get("dtm"));
        String gid = Checks.gid(query.get("gid"));
        return new Tcc(this, transportFor(dtm), gid, defaultOptions,
                new BranchIdGenerator(query.getOrDefault("branch_id", "")));
    }

    /**
     * Runs an XA global transaction (AP side, spec §12.6): {@code prepare}, then {@code body}, which calls branches
     * with {@link Xa#callBranch}; on normal return {@code submit} (the TM commits every branch), on an exception
     * {@code abort} (the TM rolls back) and the exception is rethrown as for {@link #tcc}.
     */
    public void xa(String gid, Xa.Body body) {
        xa(gid, defaultOptions, body);
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
     * A workflow engine (spec §7) whose resume callback is {@code callbackUrl}: over HTTP a URL this application serves
     * with {@link Workflows#handleCallback}; over gRPC the {@code host:port} of this application's gRPC server, which
     * serves {@link Workflows#grpcService()}. Create one per application and register the workflows at start-up.
     */
    public Workflows workflows(String callbackUrl) {
        return Workflows.create(this, callbackUrl);
    }

    Transport transport() {
        return transport;
    }

    /**
     * The transport to the TM at {@code address} as an RM was told it ({@code dtm}, {@code dtm-dtm}): this client's
     * own when it is the same TM, else HTTP for a URL and gRPC for a {@code host:port}. Only this client's own
     * transport carries the {@linkplain Builder#bearerToken bearer token}: an address that arrives in a request must
     * not be able to collect it.
     */
    Transport transportFor(String address) {
        if (address.equals(transport.serverAddress())) {
            return transport;
        }
        return wrap(address.contains("://") ? new HttpTransport(address, http)
                : new GrpcTransport(address, channels, requestTimeout));
    }

    GrpcChannels channels() {
        return channels;
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
        channels.close();
        if (ownedHttpClient != null) {
            ownedHttpClient.close();
        }
    }

    /** Single-threaded builder of a {@link DtmClient}; {@link #build()} validates once. */
    public static final class Builder {
        private String serverUrl = DEFAULT_SERVER_URL;
        private boolean serverUrlSet;
        private String grpcTarget;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Transport transport;
        private HttpClient httpClient;
        private ObjectMapper mapper = DtmJson.mapper();
        private String bearerToken;
        private ChannelCredentials grpcCredentials;
        private TransactionOptions defaultOptions = TransactionOptions.DEFAULTS;
        private UnaryOperator<Transport> transportWrapper = UnaryOperator.identity();

        private Builder() {}

        /**
         * Sends {@code Authorization: Bearer <token>} (gRPC metadata {@code authorization}) with every call to the TM
         * named by {@link #serverUrl} / {@link #grpcTarget}, for a jdtm server with {@code Auth.Tokens} set
         * (docs/security.md). Never sent to business services, nor to another TM address an RM handler is given.
         * Not applied to a {@link #transport} of your own.
         *
         * @throws IllegalArgumentException when the token is empty or holds whitespace or control characters
         */
        public Builder bearerToken(String token) {
            Checks.notNull("bearerToken", token);
            if (token.isEmpty() || token.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                // never echo the token: it is a secret
                throw new IllegalArgumentException("bearerToken must be non-empty, without spaces or control"
                        + " characters");
            }
            this.bearerToken = token;
            return this;
        }

        /**
         * The TM's HTTP base URL, default {@value #DEFAULT_SERVER_URL}. With {@link #grpcTarget} it is used only for
         * {@link DtmClient#query}, which DTM's gRPC API lacks.
         */
        public Builder serverUrl(String url) {
            Checks.url("serverUrl", url);
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new IllegalArgumentException("serverUrl must start with http:// or https://, was '" + url + "'");
            }
            this.serverUrl = url;
            this.serverUrlSet = true;
            return this;
        }

        /**
         * Talk to the TM over gRPC ({@code dtmgimp.Dtm}, spec §8) at {@code target}, e.g. {@code localhost:36790}
         * (DTM's default gRPC address, {@value #DEFAULT_GRPC_TARGET}). Transactions are then started with protocol
         * {@code grpc}: the TM calls {@code host:port/package.Service/Method} branches over gRPC (and {@code http://}
         * branches over HTTP), and protobuf payloads become possible. Needs a gRPC transport on the class path
         * (io.grpc:grpc-netty-shaded, see the README). {@link DtmClient#query} then needs {@link #serverUrl} too.
         *
         * @throws IllegalArgumentException when {@code target} is empty or has a {@code scheme://}
         */
        public Builder grpcTarget(String target) {
            Checks.url("grpcTarget", target);
            if (target.contains("://") || target.contains("/")) {
                throw new IllegalArgumentException("grpcTarget must be host:port (like localhost:36790), was '"
                        + target + "'");
            }
            this.grpcTarget = target;
            return this;
        }

        /**
         * The credentials of the gRPC channel to the TM at {@link #grpcTarget}, for a jdtm with {@code Tls} set, e.g.
         * {@code TlsChannelCredentials.newBuilder().trustManager(new File("ca.pem")).build()} (docs/security.md).
         * Default plaintext, as DTM's gRPC API. Channels to business services stay plaintext.
         */
        public Builder grpcCredentials(ChannelCredentials credentials) {
            this.grpcCredentials = Checks.notNull("grpcCredentials", credentials);
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

        /**
         * Replaces the built-in transports to the TM with your own ({@link #serverUrl} is then ignored); for DTM's
         * gRPC API use {@link #grpcTarget} instead.
         */
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

        /**
         * The options every saga, msg, TCC, XA and workflow of this client starts with (for example branch headers
         * sent on every TM→RM call, or {@code waitResult}); default {@link TransactionOptions#DEFAULTS}, the
         * server's defaults. A transaction's own {@code options(...)} replace them; its single setters
         * ({@code branchHeader}, {@code retryLimit}, …) change a copy of them.
         */
        public Builder defaultOptions(TransactionOptions o) {
            this.defaultOptions = Checks.notNull("defaultOptions", o);
            return this;
        }

        /**
         * Wraps every transport this client talks to the TM through — the built-in HTTP or gRPC one, one given with
         * {@link #transport}, and those made for a TM address an RM was told ({@link DtmClient#tccFromQuery}) — for
         * example to time or log each call. The wrapper must delegate every method; it must not return {@code null}.
         * Called once per transport, when it is made.
         */
        public Builder wrapTransport(UnaryOperator<Transport> wrapper) {
            this.transportWrapper = Checks.notNull("wrapTransport", wrapper);
            return this;
        }

        /**
         * @throws IllegalStateException when both {@link #transport} and {@link #grpcTarget} were set, or
         *         {@link #grpcCredentials} without {@link #grpcTarget}
         */
        public DtmClient build() {
            if (transport != null && grpcTarget != null) {
                throw new IllegalStateException("set either transport(...) or grpcTarget(...), not both");
            }
            if (grpcCredentials != null && grpcTarget == null) {
                throw new IllegalStateException("grpcCredentials(...) is for the TM's gRPC channel: set grpcTarget(...)");
            }
            return new DtmClient(this);
        }
    }
}
