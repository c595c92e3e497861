package io.jdtm.server.api;

import com.fasterxml.jackson.core.JacksonException;
import io.helidon.http.RequestException;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.trans.DtmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into an HTTP answer (spec §2.1): FAILURE → 409
 * {@code {"dtm_result":"FAILURE","message":…}}, ONGOING → 425, bad input → 4xx {@code {"message":…}}, a store that
 * cannot be reached → 503 {@code {"message":"storage unavailable: …"}} with {@code Retry-After}, anything else → 500
 * {@code {"message":…}}. Never a stack trace to the caller.
 */
final class ErrorMapper {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

    /** Seconds a 503 asks the caller to wait ({@code Retry-After}). */
    static final int RETRY_AFTER_SECONDS = 2;
    /** While the store is down every request fails alike: one warning per period, the rest at debug. */
    private static final long UNAVAILABLE_LOG_PERIOD_NANOS = 10_000_000_000L;
    private static final AtomicLong lastUnavailableWarning =
            new AtomicLong(System.nanoTime() - UNAVAILABLE_LOG_PERIOD_NANOS);
    private static final AtomicLong unavailableSinceWarning = new AtomicLong();

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
        if (t instanceof DtmException d) {
            return switch (d.kind()) {
                case FAILURE -> new Answer(409, body("FAILURE", d.getMessage()));
                case ONGOING -> new Answer(425, body("ONGOING", d.getMessage()));
                case BAD_REQUEST -> new Answer(400, body(null, d.getMessage()));
                case NOT_FOUND -> new Answer(404, body(null, d.getMessage()));
                case TOO_LARGE -> new Answer(413, body(null, d.getMessage()));
                case ERROR -> new Answer(500, body(null, d.getMessage()));
            };
        }
        if (t instanceof JacksonException j) {
            return new Answer(400, body(null, "malformed JSON body: " + j.getOriginalMessage()));
        }
        if (t instanceof IllegalArgumentException i) {
            // stores and parsers reject malformed input (e.g. a paging cursor) this way
            return new Answer(400, body(null, i.getMessage()));
        }
        if (t instanceof RequestException r) {
            int code = r.status().code();
            if (code == 413) {
                return new Answer(413, body(null, "request body is larger than the configured MaxBodyBytes"));
            }
            return new Answer(code, body(null, r.getMessage()));
        }
        if (t instanceof StoreUnavailableException u) {
            logUnavailable(u);
            return new Answer(503, body(null, "storage unavailable: " + u.getMessage()), RETRY_AFTER_SECONDS);
        }
        if (t instanceof StoreException s) {
            log.warn("storage error: {}", s.toString());
            return new Answer(500, body(null, "storage error: " + s.getMessage()));
        }
        log.warn("unexpected error", t);
        return new Answer(500, body(null, "internal error: " + t));
    }

    private static void logUnavailable(StoreUnavailableException u) {
        long n = unavailableSinceWarning.incrementAndGet();
        long now = System.nanoTime();
        long last = lastUnavailableWarning.get();
        if (now - last >= UNAVAILABLE_LOG_PERIOD_NANOS && lastUnavailableWarning.compareAndSet(last, now)) {
            unavailableSinceWarning.addAndGet(-n);
            log.warn("storage unavailable, answering 503 ({} request(s) since the last report): {}", n, u.getMessage());
        } else {
            log.debug("storage unavailable, answering 503: {}", u.getMessage());
        }
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
