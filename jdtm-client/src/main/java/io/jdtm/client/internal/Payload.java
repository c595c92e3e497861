package io.jdtm.client.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.MessageLite;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One branch payload: the bytes the TM passes to the branch unchanged, and whether they are text (JSON for HTTP
 * branches, which DTM's REST API can carry) or binary (a protobuf message for a gRPC branch, which only
 * {@code DtmRequest.BinPayloads} can carry). Immutable; the array is not copied, callers hand over fresh arrays.
 *
 * @param bytes the payload
 * @param text whether {@code bytes} is UTF-8 text meant as such
 */
public record Payload(byte[] bytes, boolean text) {

    /**
     * A payload object as the SDK sends it: a protobuf message encoded (binary), anything else as JSON text with
     * {@code mapper}.
     *
     * @throws IllegalArgumentException when Jackson cannot serialise it, naming {@code what}
     */
    public static Payload of(ObjectMapper mapper, String what, Object payload) {
        if (payload instanceof MessageLite m) {
            return binary(m.toByteArray());
        }
        return text(Checks.payload(mapper, what, payload));
    }

    /** Text sent verbatim. */
    public static Payload text(String s) {
        return new Payload(s.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Bytes sent verbatim, e.g. an encoded protobuf message. */
    public static Payload binary(byte[] b) {
        return new Payload(b, false);
    }

    /** The payload as text, when it is text. */
    public Optional<String> asText() {
        return text ? Optional.of(new String(bytes, StandardCharsets.UTF_8)) : Optional.empty();
    }
}
