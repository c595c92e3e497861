package io.jdtm.server.trans;

/**
 * The one family of API failures. {@link Kind} decides the HTTP status (and JSON-RPC / gRPC code) in one place,
 * {@code io.jdtm.server.api.ErrorMapper}. FAILURE messages always end with the word {@code FAILURE}, as old DTM
 * clients search the body for it.
 */
public final class DtmException extends RuntimeException {

    /** What the caller should make of the error. */
    public enum Kind {
        /** Definitive: the operation cannot succeed (HTTP 409). */
        FAILURE,
        /** Not finished yet; ask again later (HTTP 425). */
        ONGOING,
        /** The request itself is malformed (HTTP 400). */
        BAD_REQUEST,
        /** The named transaction does not exist (HTTP 404). */
        NOT_FOUND,
        /** The body is larger than allowed (HTTP 413). */
        TOO_LARGE,
        /** This server cannot do it right now, the same request may succeed later or elsewhere (HTTP 503). */
        UNAVAILABLE,
        /** Anything else, including storage trouble (HTTP 500). */
        ERROR
    }

    private final Kind kind;

    private DtmException(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** A FAILURE; {@code " FAILURE"} is appended unless the reason already ends with it. */
    public static DtmException failure(String reason) {
        String msg = reason.endsWith("FAILURE") ? reason : reason + " FAILURE";
        return new DtmException(Kind.FAILURE, msg, null);
    }

    public static DtmException ongoing(String reason) {
        return new DtmException(Kind.ONGOING, reason, null);
    }

    public static DtmException badRequest(String reason) {
        return new DtmException(Kind.BAD_REQUEST, reason, null);
    }

    public static DtmException notFound(String reason) {
        return new DtmException(Kind.NOT_FOUND, reason, null);
    }

    public static DtmException tooLarge(String reason) {
        return new DtmException(Kind.TOO_LARGE, reason, null);
    }

    public static DtmException unavailable(String reason) {
        return new DtmException(Kind.UNAVAILABLE, reason, null);
    }

    public static DtmException error(String reason) {
        return new DtmException(Kind.ERROR, reason, null);
    }

    public static DtmException error(String reason, Throwable cause) {
        return new DtmException(Kind.ERROR, reason, cause);
    }
}
