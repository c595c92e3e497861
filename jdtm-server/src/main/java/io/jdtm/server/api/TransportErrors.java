package io.jdtm.server.api;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.RequestException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.jdtm.protocol.DtmJson;
import java.util.Map;

/**
 * Answers for requests the web server refuses before any route runs — a malformed request line or header, an
 * unsupported HTTP version, a body beyond the hard limit — and for failures no handler caught: the same JSON
 * {@code {"message": …}} body as every other error, saying what was wrong in the caller's terms. Helidon's own
 * answer is an empty body. Helidon hands most handlers no description of the problem (it keeps client-quoting
 * text out of answers); where it does, the text is passed on cleaned of control characters, bounded, and only when
 * it does not read like an internal exception.
 */
public final class TransportErrors implements DirectHandler {
    private static final int MAX_DETAIL = 200;

    private TransportErrors() {}

    /** The handlers for every event type. */
    public static DirectHandlers handlers() {
        TransportErrors h = new TransportErrors();
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (EventType t : EventType.values()) {
            b.addHandler(t, h);
        }
        return b.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType type, Status status,
            ServerResponseHeaders headers, Throwable thrown) {
        String detail = thrown instanceof RequestException r ? r.getMessage() : null;
        return answer(type, status, headers, detail);
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType type, Status status,
            ServerResponseHeaders headers, Throwable thrown, System.Logger logger) {
        return handle(request, type, status, headers, thrown);
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType type, Status status,
            ServerResponseHeaders headers, String message) {
        return answer(type, status, headers, message);
    }

    private static TransportResponse answer(EventType type, Status status, ServerResponseHeaders headers,
            String detail) {
        String message = switch (type) {
            case BAD_REQUEST -> "malformed HTTP request: " + (clean(detail).isEmpty()
                    ? "the request line, a header or the body's framing is not valid HTTP/1.1 (RFC 9112)"
                    : clean(detail));
            case PAYLOAD_TOO_LARGE -> "request body is larger than the configured MaxBodyBytes";
            case HTTP_VERSION_NOT_SUPPORTED -> "HTTP version not supported: this port serves HTTP/1.0 and HTTP/1.1 "
                    + "(gRPC and HTTP/2 are on the GrpcPort)";
            case INTERNAL_ERROR -> "internal error";
            default -> status.reasonPhrase();
        };
        headers.set(HeaderValues.CONTENT_TYPE_JSON);
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity(DtmJson.writeBytes(Map.of("message", message)))
                .keepAlive(type.keepAlive())
                .build();
    }

    /**
     * Helidon's description of what was malformed, as printable ASCII and bounded (it may quote what the client
     * sent); dropped when it reads like an internal exception rather than a description.
     */
    static String clean(String s) {
        if (s == null || s.contains("Exception") || s.contains("java.") || s.contains("io.helidon")) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_DETAIL));
        for (int i = 0; i < s.length() && b.length() < MAX_DETAIL; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString().trim();
    }
}
