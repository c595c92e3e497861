package io.jdtm.server.api;

import com.fasterxml.jackson.core.JacksonException;
import io.helidon.http.RequestException;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.trans.DtmException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into an HTTP answer (spec §2.1): FAILURE → 409
 * {@code {"dtm_result":"FAILURE","message":…}}, ONGOING → 425, bad input → 4xx {@code {"message":…}}, anything
 * else → 500 {@code {"message":…}}. Never a stack trace to the caller.
 */
final class ErrorMapper {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

    /** An HTTP status and a JSON body. */
    record Answer(int status, Map<String, Object> body) {}

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
        if (t instanceof StoreException s) {
            log.warn("storage error: {}", s.toString());
            return new Answer(500, body(null, "storage error: " + s.getMessage()));
        }
        log.warn("unexpected error", t);
        return new Answer(500, body(null, "internal error: " + t));
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
