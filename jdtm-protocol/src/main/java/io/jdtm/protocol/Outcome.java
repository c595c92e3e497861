package io.jdtm.protocol;

/**
 * What a branch call (or a TM call) came back with, decoded in one place for every transport.
 * {@link #ERROR} means the outcome is unknown: the caller retries with backoff.
 */
public enum Outcome {
    SUCCESS,
    FAILURE,
    ONGOING,
    ERROR;

    /** HTTP status DTM uses for FAILURE. */
    public static final int HTTP_FAILURE = 409;
    /** HTTP status DTM uses for ONGOING ("Too Early"). */
    public static final int HTTP_ONGOING = 425;

    /**
     * Classifies an HTTP answer as DTM's server does (spec §2.2), in this order: 425 or a body containing
     * {@code ONGOING}; 409 or a body containing {@code FAILURE}; any other non-200 is an error; 200 is success.
     * The substring tests are case-sensitive and look at the whole body, on purpose (legacy RMs answer
     * {@code 200 {"dtm_result":"FAILURE"}}).
     */
    public static Outcome ofHttp(int status, String body) {
        String b = body == null ? "" : body;
        if (status == HTTP_ONGOING || b.contains("ONGOING")) {
            return ONGOING;
        }
        if (status == HTTP_FAILURE || b.contains("FAILURE")) {
            return FAILURE;
        }
        return status == 200 ? SUCCESS : ERROR;
    }

    /**
     * Classifies a gRPC answer as DTM's server does (spec §2.3): OK is SUCCESS; ABORTED is FAILURE, except the
     * message exactly {@code ONGOING} (RMs older than DTM v1.10); FAILED_PRECONDITION is ONGOING; anything else
     * (UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, …) is an error.
     */
    public static Outcome ofGrpc(io.grpc.Status.Code code, String description) {
        return switch (code) {
            case OK -> SUCCESS;
            case ABORTED -> "ONGOING".equals(description) ? ONGOING : FAILURE;
            case FAILED_PRECONDITION -> ONGOING;
            default -> ERROR;
        };
    }

    /**
     * Classifies an HTTP answer by status code only, as DTM's workflow SDK does (spec §7.4).
     */
    public static Outcome ofHttpStatus(int status) {
        return switch (status) {
            case 200 -> SUCCESS;
            case HTTP_FAILURE -> FAILURE;
            case HTTP_ONGOING -> ONGOING;
            default -> ERROR;
        };
    }
}
