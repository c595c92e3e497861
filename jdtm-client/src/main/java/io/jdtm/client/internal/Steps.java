package io.jdtm.client.internal;

import io.jdtm.protocol.Ops;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The steps of a saga or msg with their payloads, kept as DTM's Go clients keep them: the steps array, and the
 * payloads both as text ({@code payloads}, for the REST API) and as bytes ({@code BinPayloads}, for gRPC). Immutable:
 * {@link #add} returns a new list.
 */
public final class Steps {

    private record Step(Map<String, String> urls, Payload payload) {}

    public static final Steps NONE = new Steps(List.of());

    private final List<Step> steps;

    private Steps(List<Step> steps) {
        this.steps = steps;
    }

    /** These steps and one more: {@code urls} is the step object ({@code action}, {@code compensate}). */
    public Steps add(Map<String, String> urls, Payload payload) {
        List<Step> s = new ArrayList<>(steps);
        s.add(new Step(Map.copyOf(urls), payload));
        return new Steps(List.copyOf(s));
    }

    public int size() {
        return steps.size();
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /** The step objects, in order; {@code action} first, then {@code compensate} when present. */
    public List<Map<String, String>> urls() {
        List<Map<String, String>> out = new ArrayList<>();
        for (Step s : steps) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("action", s.urls().get("action"));
            if (s.urls().containsKey("compensate")) {
                m.put("compensate", s.urls().get("compensate"));
            }
            out.add(m);
        }
        return out;
    }

    /** Whether some payload is binary (a protobuf message), which needs the gRPC transport. */
    public boolean hasBinary() {
        return steps.stream().anyMatch(s -> !s.payload().text());
    }

    /**
     * The first step URL the TM would call over gRPC ({@code host:port/package.Service/Method}), if any; topics and
     * empty compensations are not URLs.
     */
    public Optional<String> firstGrpcUrl() {
        return steps.stream().flatMap(s -> s.urls().values().stream())
                .filter(u -> !u.isEmpty() && !u.startsWith(Ops.TOPIC_PREFIX) && GrpcCalls.isGrpcUrl(u))
                .findFirst();
    }

    /** The payloads as text, or {@code null} when one of them is binary. */
    public List<String> textPayloads() {
        if (hasBinary()) {
            return null;
        }
        return steps.stream().map(s -> s.payload().asText().orElseThrow()).toList();
    }

    /** The payloads as bytes. */
    public List<byte[]> binPayloads() {
        return steps.stream().map(s -> s.payload().bytes()).toList();
    }
}
