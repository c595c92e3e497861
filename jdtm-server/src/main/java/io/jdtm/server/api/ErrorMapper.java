package io.jdtm.server.api;

import io.helidon.http.RequestException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place that turns a failure ({@link Problem}) into an HTTP answer (spec §2.1): FAILURE → 409
 * {@code {"dtm_result":"FAILURE","message":…}}, ONGOING → 425, bad input → 4xx {@code {"message":…}}, a store that
 * cannot be reached → 503 {@code {"message":"storage unavailable: …"}} with {@code Retry-After}, anything else → 500
 * {@code {"message":…}}. Never a stack trace to the caller.
 */
final class ErrorMapper {
    /** Seconds a 503 asks the caller to wait ({@code Retry-After}). */
    static final int RETRY_AFTER_SECONDS = 2;

    /**
     * An HTTP status and a JSON body; {@code retryAfterSeconds} > 0 asks for a {@code Retry-After} header.
     */
    record Answer(int status, Map<String, Object> body, int retryAfterSeconds) {
        Answer(int status, Map<String, Object> body) {
            this(status, body, 0);
        }
    }

    private ErrorMapper() {}

    static Answer map(Throwable t) {
        if (t instanceof RequestException r) {
            // malformed HTTP, refused by the web server before any handler ran
            int code = r.status().code();
            if (code == 413) {
                return new Answer(413, body(null, "request body is larger than the configured MaxBodyBytes"));
            }
            return new Answer(code, body(null, r.getMessage()));
        }
        if (t instanceof io.helidon.http.HttpException h) {
            // the web server's own answers: an unknown route (404), a wrong method (405), …
            int code = h.status().code();
            return new Answer(code, body(null, code == 404 ? "no such endpoint" : h.status().reasonPhrase()));
        }
        Problem p = Problem.of(t);
        return switch (p.kind()) {
            case FAILURE -> new Answer(409, body("FAILURE", p.message()));
            case ONGOING -> new Answer(425, body("ONGOING", p.message()));
            case BAD_REQUEST -> new Answer(400, body(null, p.message()));
            case NOT_FOUND -> new Answer(404, body(null, p.message()));
            case TOO_LARGE -> new Answer(413, body(null, p.message()));
            case UNAVAILABLE -> new Answer(503, body(null, p.message()), RETRY_AFTER_SECONDS);
            case INTERNAL -> new Answer(500, body(null, p.message()));
        };
    }

    private static Map<String, Object> body(String result, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (result != null) {
            m.put("dtm_result", result);
        }
        m.put("message", message == null ? "" : message);
        return m;
    }
}
