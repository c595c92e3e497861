package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Outcome;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * RM-side helpers (spec §2.2, §12.1): turn the outcome of a branch handler into the HTTP answer DTM's TM expects, and
 * read what the TM sent. Stateless and thread-safe.
 *
 * <table>
 *   <caption>Outcome → answer</caption>
 *   <tr><th>outcome</th><th>status</th><th>body</th></tr>
 *   <tr><td>success</td><td>200</td><td>{@code {"dtm_result":"SUCCESS"}}</td></tr>
 *   <tr><td>{@link DtmFailureException}</td><td>409</td><td>{@code {"dtm_result":"FAILURE","message":…}}</td></tr>
 *   <tr><td>{@link DtmOngoingException}</td><td>425</td><td>{@code {"dtm_result":"ONGOING","message":…}}</td></tr>
 *   <tr><td>anything else</td><td>500</td><td>{@code {"error":…}}</td></tr>
 * </table>
 *
 * <p>Note the TM classifies by substring: a 200 body that contains {@code FAILURE} or {@code ONGOING} anywhere counts
 * as that result, so {@link #success(Object)} refuses such bodies.
 */
public final class RmResponses {
    private RmResponses() {}

    /** A handler's work, for {@link #handle}. */
    @FunctionalInterface
    public interface Handler {
        void run() throws Exception;
    }

    /** {@code 200 {"dtm_result":"SUCCESS"}}. */
    public static RmResponse success() {
        return new RmResponse(200, "{\"dtm_result\":\"SUCCESS\"}");
    }

    /**
     * {@code 200} with a result object as JSON (workflow steps record it).
     *
     * @throws IllegalArgumentException when the JSON contains FAILURE or ONGOING (the TM would misread it) or cannot
     *     be serialised
     */
    public static RmResponse success(Object result) {
        String json = Checks.payload(DtmJson.mapper(), "RM result", result);
        if (json.contains("FAILURE") || json.contains("ONGOING")) {
            throw new IllegalArgumentException("a success body must not contain FAILURE or ONGOING (DTM reads the "
                    + "body by substring): " + json);
        }
        return new RmResponse(200, json);
    }

    /** {@code 409 {"dtm_result":"FAILURE","message":…}}. */
    public static RmResponse failure(String message) {
        return new RmResponse(Outcome.HTTP_FAILURE, body("FAILURE", message));
    }

    /** {@code 425 {"dtm_result":"ONGOING"}}. */
    public static RmResponse ongoing() {
        return new RmResponse(Outcome.HTTP_ONGOING, "{\"dtm_result\":\"ONGOING\"}");
    }

    /** The answer for an outcome; {@code message} goes into FAILURE and error bodies. */
    public static RmResponse of(Outcome outcome, String message) {
        Checks.notNull("outcome", outcome);
        return switch (outcome) {
            case SUCCESS -> success();
            case FAILURE -> failure(message);
            case ONGOING -> ongoing();
            case ERROR -> error(message);
        };
    }

    /** The answer for an exception a handler threw. */
    public static RmResponse of(Throwable e) {
        Checks.notNull("exception", e);
        if (e instanceof DtmFailureException f) {
            return failure(f.getMessage());
        }
        if (e instanceof DtmOngoingException) {
            return ongoing();
        }
        return error(e.getMessage() == null ? e.toString() : e.getMessage());
    }

    /** Runs a handler and returns the answer for its outcome; never throws (except {@link Error}s). */
    public static RmResponse handle(Handler h) {
        Checks.notNull("handler", h);
        try {
            h.run();
            return success();
        } catch (Exception e) {
            return of(e);
        }
    }

    /**
     * {@code 500 {"error":…}}: outcome unknown, the TM retries with backoff. The word FAILURE/ONGOING in the
     * message would change the meaning, so they are written in lower case.
     */
    public static RmResponse error(String message) {
        String m = String.valueOf(message).replace("FAILURE", "failure").replace("ONGOING", "ongoing");
        Map<String, String> b = new LinkedHashMap<>();
        b.put("error", m);
        return new RmResponse(500, DtmJson.write(b));
    }

    /**
     * How DTM's TM reads an RM answer (spec §2.2), as a typed error; empty for success. For APs and tests that call
     * branches themselves.
     */
    public static Optional<DtmException> toException(int status, String body, String gid) {
        String text = "branch answered " + status + ": " + body;
        return switch (Outcome.ofHttp(status, body)) {
            case SUCCESS -> Optional.empty();
            case FAILURE -> Optional.of(new DtmFailureException(text, gid));
            case ONGOING -> Optional.of(new DtmOngoingException(text, gid));
            case ERROR -> Optional.of(new DtmUnknownException(text, gid, status, null));
        };
    }

    /**
     * Parses a raw URL query ({@code gid=g1&trans_type=saga&…}) into a map, decoding {@code %xx} and {@code +};
     * the first value of a repeated key wins. {@code null} or {@code ""} gives an empty map.
     */
    public static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> m = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return m;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, v);
        }
        return m;
    }

    private static String body(String result, String message) {
        Map<String, String> b = new LinkedHashMap<>();
        b.put("dtm_result", result);
        b.put("message", message == null ? "" : message);
        return DtmJson.write(b);
    }
}
