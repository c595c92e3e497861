package io.jdtm.server.scenario;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a fake RM answers the calls of each route (an HTTP path, a gRPC method), as tests script it: a held call
 * first ({@link #hold}), then scripted answers in order, then the fixed answer, then {@code otherwise}.
 * Thread-safe.
 */
final class Answers<R> {
    private final R otherwise;
    private final R unanswered;
    private final Map<String, Deque<R>> scripts = new ConcurrentHashMap<>();
    private final Map<String, R> fixed = new ConcurrentHashMap<>();
    private final Map<String, Deque<Gate<R>>> gates = new ConcurrentHashMap<>();

    /**
     * @param otherwise the answer of a route nothing was scripted for
     * @param unanswered the answer of a held call whose gate the test never opened
     */
    Answers(R otherwise, R unanswered) {
        this.otherwise = otherwise;
        this.unanswered = unanswered;
    }

    /** Every later call gets {@code r} (after any scripted ones). */
    void fix(String route, R r) {
        fixed.put(route, r);
    }

    /** The next calls get these answers, in order. */
    void script(String route, List<R> replies) {
        add(scripts, route, replies);
    }

    /** Holds the next call (after earlier holds of the route) at a gate. */
    Gate<R> hold(String route) {
        Gate<R> g = new Gate<>();
        add(gates, route, List.of(g));
        return g;
    }

    /** The answer of a call that just arrived; a held call waits here for its gate. */
    R next(String route) {
        Gate<R> gate = poll(gates, route);
        if (gate != null) {
            return gate.pass(unanswered);
        }
        R r = poll(scripts, route);
        return r != null ? r : fixed.getOrDefault(route, otherwise);
    }

    private static <T> void add(Map<String, Deque<T>> m, String route, List<T> items) {
        Deque<T> q = m.computeIfAbsent(route, k -> new ArrayDeque<>());
        synchronized (q) {
            q.addAll(items);
        }
    }

    private static <T> T poll(Map<String, Deque<T>> m, String route) {
        Deque<T> q = m.get(route);
        if (q == null) {
            return null;
        }
        synchronized (q) {
            return q.poll();
        }
    }
}
