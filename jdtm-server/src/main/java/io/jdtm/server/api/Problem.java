package io.jdtm.server.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.jdtm.protocol.DtmJson;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.trans.DtmException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What went wrong with a request, independent of the protocol that carried it. {@link #of} classifies any failure
 * once; each front end maps the {@link Kind} in one place: HTTP status ({@link ErrorMapper}), JSON-RPC code
 * ({@link JsonRpcApi}), gRPC status (the gRPC API). The message is meant for the caller: it names what was wrong
 * and never carries a stack trace or a Java class name.
 */
public record Problem(Kind kind, String message) {
    private static final Logger log = LoggerFactory.getLogger(Problem.class);
    /** While the store is down every request fails alike: one warning per period, the rest at debug. */
    private static final long UNAVAILABLE_LOG_PERIOD_NANOS = 10_000_000_000L;
    private static final AtomicLong lastUnavailableWarning =
            new AtomicLong(System.nanoTime() - UNAVAILABLE_LOG_PERIOD_NANOS);
    private static final AtomicLong unavailableSinceWarning = new AtomicLong();

    /** The transport-neutral classes of failure (spec §2.1, §2.3, §2.4). */
    public enum Kind {
        /** Definitive: the operation cannot succeed (HTTP 409, gRPC ABORTED, JSON-RPC -32901). */
        FAILURE,
        /** Not finished yet; ask again later (HTTP 425, gRPC FAILED_PRECONDITION). */
        ONGOING,
        /** The request is malformed (HTTP 400, gRPC INVALID_ARGUMENT). */
        BAD_REQUEST,
        /** The named transaction or topic does not exist (HTTP 404, gRPC NOT_FOUND). */
        NOT_FOUND,
        /** The request is larger than allowed (HTTP 413, gRPC RESOURCE_EXHAUSTED). */
        TOO_LARGE,
        /**
         * The store cannot be reached right now, or this server is stopping; retry (HTTP 503, gRPC UNAVAILABLE,
         * JSON-RPC -32000).
         */
        UNAVAILABLE,
        /** Anything else (HTTP 500, gRPC INTERNAL or UNKNOWN, JSON-RPC -32603). */
        INTERNAL
    }

    /** Classifies a failure; logs what the caller's answer does not explain (storage errors, bugs). */
    public static Problem of(Throwable t) {
        if (t instanceof DtmException d) {
            return new Problem(switch (d.kind()) {
                case FAILURE -> Kind.FAILURE;
                case ONGOING -> Kind.ONGOING;
                case BAD_REQUEST -> Kind.BAD_REQUEST;
                case NOT_FOUND -> Kind.NOT_FOUND;
                case TOO_LARGE -> Kind.TOO_LARGE;
                case UNAVAILABLE -> Kind.UNAVAILABLE;
                case ERROR -> Kind.INTERNAL;
            }, d.getMessage());
        }
        if (t instanceof JacksonException j) {
            return new Problem(Kind.BAD_REQUEST, jsonProblem(j));
        }
        if (t instanceof IllegalArgumentException i) {
            // stores and parsers reject malformed input (e.g. a paging cursor) this way
            return new Problem(Kind.BAD_REQUEST, i.getMessage());
        }
        if (t instanceof StoreUnavailableException u) {
            logUnavailable(u);
            return new Problem(Kind.UNAVAILABLE, "storage unavailable: " + u.getMessage());
        }
        if (t instanceof StoreException s) {
            log.warn("storage error: {}", s.toString());
            return new Problem(Kind.INTERNAL, "storage error: " + s.getMessage());
        }
        log.warn("unexpected error", t);
        return new Problem(Kind.INTERNAL, "internal error");
    }

    /**
     * A JSON body the decoder refused, in the caller's terms: where (the field path, or line and column) and what
     * was wrong — never the decoder's own text, which names Java types.
     */
    static String jsonProblem(JacksonException j) {
        if (j instanceof StreamConstraintsException) {
            return "malformed JSON body: arrays and objects nest deeper than " + DtmJson.MAX_DEPTH + " levels";
        }
        if (j instanceof JsonMappingException m && !(j instanceof JsonParseException)) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) {
                    path.append(path.isEmpty() ? "" : ".").append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    path.append('[').append(r.getIndex()).append(']');
                }
            }
            String where = path.isEmpty() ? "the body" : "field '" + path + "'";
            String expected = m instanceof MismatchedInputException mi && mi.getTargetType() != null
                    ? " (expected " + jsonKind(mi.getTargetType()) + ")" : "";
            return "malformed JSON body: " + where + " has the wrong type" + expected;
        }
        var loc = j.getLocation();
        String at = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        return "malformed JSON body: not valid JSON" + at;
    }

    /** How a JSON client would name the kind of value a Java type is decoded from. */
    private static String jsonKind(Class<?> type) {
        if (type == String.class || type.isEnum()) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static void logUnavailable(StoreUnavailableException u) {
        long n = unavailableSinceWarning.incrementAndGet();
        long now = System.nanoTime();
        long last = lastUnavailableWarning.get();
        if (now - last >= UNAVAILABLE_LOG_PERIOD_NANOS && lastUnavailableWarning.compareAndSet(last, now)) {
            unavailableSinceWarning.addAndGet(-n);
            log.warn("storage unavailable ({} request(s) since the last report): {}", n, u.getMessage());
        } else {
            log.debug("storage unavailable: {}", u.getMessage());
        }
    }
}
