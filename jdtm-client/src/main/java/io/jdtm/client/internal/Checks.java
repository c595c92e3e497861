package io.jdtm.client.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Argument checks that throw {@link IllegalArgumentException} naming the problem. */
public final class Checks {
    private Checks() {}

    public static String gid(String gid) {
        if (gid == null) {
            throw new IllegalArgumentException("gid must not be null");
        }
        if (gid.isBlank()) {
            throw new IllegalArgumentException("gid must not be empty");
        }
        return gid;
    }

    public static String url(String what, String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        return url;
    }

    public static <T> T notNull(String what, T v) {
        if (v == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return v;
    }

    /** JSON text of a payload; a payload Jackson cannot write is a caller error. */
    public static String payload(ObjectMapper mapper, String what, Object payload) {
        try {
            return mapper.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " cannot be serialized to JSON (" + (payload == null
                    ? "null" : payload.getClass().getName()) + "): " + e.getOriginalMessage(), e);
        }
    }
}
