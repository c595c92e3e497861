package io.jdtm.server.tracing;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.opentelemetry.context.Scope;

/**
 * The HTTP API's server spans: {@code prepare}, {@code submit}, {@code abort}, {@code registerBranch} (and its
 * aliases) and {@code prepareWorkflow} under {@code /api/dtmsvr}, and every JSON-RPC request, continued from the request's {@code traceparent}
 * and current while the handler runs (Helidon runs it on the filter's thread). Installed only when tracing is on.
 */
public final class HttpTracing implements Filter {
    private static final String BASE = "/api/dtmsvr/";
    /** DTM's JSON-RPC endpoint: one span per request, named {@code json-rpc} (the method is inside the body). */
    private static final String JSON_RPC = "/api/json-rpc";
    private final Tracing tracing;

    public HttpTracing(Tracing tracing) {
        this.tracing = tracing;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        String op = path.equals(JSON_RPC) ? "json-rpc"
                : path.startsWith(BASE) ? TracedOperations.span(path.substring(BASE.length())) : null;
        if (op == null) {
            chain.proceed();
            return;
        }
        Tracing.ApiSpan span = tracing.startApi(op,
                name -> req.headers().first(HeaderNames.create(name)).orElse(null));
        try (Scope ignored = span.makeCurrent()) {
            chain.proceed();
        } finally {
            int status = res.status().code();
            span.end(status < 400, "http.response.status_code", status);
        }
    }
}
