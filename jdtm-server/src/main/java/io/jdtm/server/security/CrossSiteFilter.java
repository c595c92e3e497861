package io.jdtm.server.security;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.jdtm.protocol.DtmJson;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses API requests that a browser made on behalf of another site (docs/admin-ui.md, "Cross-site requests"):
 * {@code 403} when the browser marks the request {@code Sec-Fetch-Site: cross-site} or {@code same-site}, or when
 * it carries an {@code Origin} whose host and port differ from the request's {@code Host} (or
 * {@code X-Forwarded-Host} behind a proxy). With Auth off, this is what stops a page on another site from making
 * the operator's browser force-stop a transaction or delete a topic (DTM's API has GET calls that change state,
 * such as subscribe); with Auth on, the token is never sent by a browser on its own anyway. Scripts, SDKs and
 * servers send neither header and are not affected; the admin UI's own calls are same-origin. Thread-safe.
 */
public final class CrossSiteFilter implements Filter {
    private static final io.helidon.http.HeaderName SEC_FETCH_SITE = HeaderNames.create("Sec-Fetch-Site");
    private static final io.helidon.http.HeaderName FORWARDED_HOST = HeaderNames.create("X-Forwarded-Host");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String refusal = req.path().path().startsWith("/api/") ? refusal(req) : null;
        if (refusal == null) {
            chain.proceed();
            return;
        }
        res.status(Status.FORBIDDEN_403);
        res.header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON);
        res.send(DtmJson.writeBytes(Map.of("message", refusal)));
    }

    /** Why the request is refused, or null when it is not a cross-site browser request. */
    static String refusal(RoutingRequest req) {
        Optional<String> site = req.headers().first(SEC_FETCH_SITE);
        if (site.isPresent()) {
            String s = site.get().trim().toLowerCase(Locale.ROOT);
            if (s.equals("cross-site") || s.equals("same-site")) {
                return "cross-site request refused: a page on another site may not call this API (Sec-Fetch-Site: "
                        + s + ")";
            }
        }
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isEmpty()) {
            return null;
        }
        String host = req.headers().first(FORWARDED_HOST)
                .or(() -> req.headers().first(HeaderNames.HOST)).orElse("");
        return sameHost(origin.get(), host) ? null
                : "cross-site request refused: Origin does not match the Host of this server";
    }

    /** Whether the Origin's host[:port] is {@code host} (a Host header value, which may carry the port). */
    static boolean sameHost(String origin, String host) {
        if (origin.equals("null")) {
            return false; // a sandboxed or file: page
        }
        try {
            URI u = URI.create(origin.trim());
            if (u.getHost() == null) {
                return false;
            }
            String h = host.trim().toLowerCase(Locale.ROOT);
            String oh = u.getHost().toLowerCase(Locale.ROOT);
            int port = u.getPort();
            if (port < 0) {
                port = "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
            }
            String withPort = (oh.contains(":") ? "[" + oh + "]" : oh) + ":" + port;
            return h.equals(withPort) || (h.equals(oh.contains(":") ? "[" + oh + "]" : oh)
                    && port == ("https".equalsIgnoreCase(u.getScheme()) ? 443 : 80));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
