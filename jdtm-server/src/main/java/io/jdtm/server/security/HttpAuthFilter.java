package io.jdtm.server.security;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.jdtm.protocol.DtmJson;
import io.jdtm.server.metrics.ServerMetrics;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer-token guard of the HTTP listener: finds the {@link Scope} of each request, asks {@link BearerAuth}, and
 * answers a refusal itself (RFC 6750): {@code 401} with {@code WWW-Authenticate: Bearer realm="jdtm"} when the token
 * is missing, with {@code error="invalid_token"} when it is wrong, {@code 403} with
 * {@code error="insufficient_scope"} for a normal token on an admin operation; the body is
 * {@code {"message":"…"}}. Refusals are counted ({@code jdtm_auth_refused_total{type="http"}}) and logged at debug
 * with the path and the peer, never with the token.
 *
 * <p>{@link #forApi} classifies jdtm's routes, fail-closed: open are only {@code /api/ping} (and
 * {@code /api/metrics} with {@code Auth.Metrics: open}); API scope are {@code /api/json-rpc} and the DTM operations
 * in {@link #API_OPERATIONS}; everything else under {@code /api/} — the operator operations (forceStop,
 * resetCronTime, resetNextCronTime, deleteTopic, all, scanKV, attempts, counts), unknown paths — is
 * {@link Scope#ADMIN}. Paths outside {@code /api/} are the admin UI's static files (no data: the page fetches its data
 * from the API with the admin token, docs/admin-ui.md) and 404s: {@link Scope#OPEN}, since a browser cannot send a
 * bearer token when it loads a page. A new route in {@code HttpApi} is therefore admin-only until listed here. {@link #admin}
 * guards every request of a routing as admin, for an admin UI served apart. Thread-safe.
 */
public final class HttpAuthFilter implements Filter {
    private static final Logger log = LoggerFactory.getLogger(HttpAuthFilter.class);
    private static final String REALM = "Bearer realm=\"jdtm\"";

    /** The {@code /api/dtmsvr/<op>} operations a normal token may call. */
    static final Set<String> API_OPERATIONS = Set.of("version", "newGid", "prepare", "submit", "abort",
            "registerBranch", "registerXaBranch", "registerTccBranch", "prepareWorkflow", "query", "queryKV",
            "subscribe", "unsubscribe");

    private final BearerAuth auth;
    private final Function<String, Scope> scopes;
    private final ServerMetrics metrics;

    private HttpAuthFilter(BearerAuth auth, Function<String, Scope> scopes, ServerMetrics metrics) {
        this.auth = auth;
        this.scopes = scopes;
        this.metrics = metrics;
    }

    /** The guard of jdtm's HTTP API (see the class comment for which path needs what). */
    public static HttpAuthFilter forApi(BearerAuth auth, boolean metricsOpen, ServerMetrics metrics) {
        return new HttpAuthFilter(auth, path -> scopeOf(path, metricsOpen), metrics);
    }

    /** A guard that treats every request as an admin operation. */
    public static HttpAuthFilter admin(BearerAuth auth, ServerMetrics metrics) {
        return new HttpAuthFilter(auth, path -> Scope.ADMIN, metrics);
    }

    /** The scope of a (decoded) request path of jdtm's HTTP API. */
    static Scope scopeOf(String path, boolean metricsOpen) {
        if (path.equals("/api/ping") || (metricsOpen && path.equals("/api/metrics")) || isUiPath(path)) {
            return Scope.OPEN;
        }
        if (path.equals("/api/json-rpc") || path.equals("/api/metrics")) {
            return Scope.API;
        }
        String base = "/api/dtmsvr/";
        if (path.startsWith(base) && API_OPERATIONS.contains(path.substring(base.length()))) {
            return Scope.API;
        }
        return Scope.ADMIN;
    }

    /**
     * A path that can only be one of the admin UI's static files (or a 404): nowhere an "/api" segment, nothing a
     * router could normalise into one (".." or "//"). Fail-closed: anything doubtful is not a UI path.
     */
    static boolean isUiPath(String path) {
        String p = path.toLowerCase(java.util.Locale.ROOT);
        return p.startsWith("/") && !p.contains("/api") && !p.contains("..") && !p.contains("//")
                && !p.contains("%") && !p.contains("\\");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        BearerAuth.Verdict v = auth.check(scopes.apply(path),
                req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
        if (v == BearerAuth.Verdict.ALLOWED) {
            chain.proceed();
            return;
        }
        metrics.authRefused("http", v.reason());
        log.debug("refused {} {} from {}: {}", req.prologue().method().text(), path, req.remotePeer().address(),
                v.reason());
        res.status(v == BearerAuth.Verdict.NOT_ADMIN ? Status.FORBIDDEN_403 : Status.UNAUTHORIZED_401);
        res.header(HeaderNames.WWW_AUTHENTICATE, switch (v) {
            case WRONG -> REALM + ", error=\"invalid_token\"";
            case NOT_ADMIN -> REALM + ", error=\"insufficient_scope\"";
            default -> REALM;
        });
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(DtmJson.writeBytes(Map.of("message", v.message())));
    }
}
