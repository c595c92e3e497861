package io.jdtm.server.api;

import com.fasterxml.jackson.core.JacksonException;
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
        /** The store cannot be reached right now; retry (HTTP 503, gRPC UNAVAILABLE, JSON-RPC -32000). */
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
                case ERROR -> Kind.INTERNAL;
            }, d.getMessage());
        }
        if (t instanceof JacksonException j) {
            return new Problem(Kind.BAD_REQUEST, "malformed JSON body: " + j.getOriginalMessage());
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
