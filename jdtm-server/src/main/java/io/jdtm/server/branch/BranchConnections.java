package io.jdtm.server.branch;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.ClientConnection;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.spi.DnsResolver;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The keep-alive connections of HTTP branch calls: per scheme, host and port a stack of idle connections, the most
 * recently used on top. The requests themselves are Helidon's (its HTTP/1.1 codec on its {@link TcpClientConnection});
 * only the pooling is ours.
 *
 * <p>Why not Helidon's own connection cache: it watches every idle connection with a virtual thread of its own (a
 * one-byte read with a 101 ms timeout, in a loop), started each time a connection goes back to the cache and joined
 * each time it is taken again. That is a new thread, a future and one more park and wake-up per branch call, and a
 * {@code SocketTimeoutException} ten times a second per idle connection (bench/README.md, "What changed the
 * figures"). Here an idle connection is not watched. Instead:
 * <ul>
 *   <li>a connection idle for longer than the idle limit is closed rather than reused: servers close idle keep-alive
 *       connections after a few seconds (gunicorn 2 s, Node.js 5 s, nginx 75 s), and a closed one found on reuse
 *       costs a failed attempt; a sweep every idle limit closes those no call took back;</li>
 *   <li>a call that fails on a reused connection because the peer closed it (a reset, a broken pipe or the end of
 *       the stream, never a timeout) is sent once more on a new connection, as Go's HTTP client does: the server
 *       closed the connection as it was taken. A branch call may reach its RM more than once in any case (the TM
 *       retries what it could not settle), which is what the barrier is for.</li>
 * </ul>
 * Every new connection resolves its host through the client's {@link DnsResolver} (the destination policy).
 * Thread-safe.
 */
final class BranchConnections implements AutoCloseable {
    static final Duration IDLE_LIMIT = Duration.ofSeconds(1);
    private static final List<String> HTTP1 = List.of("http/1.1");
    private static final Tls NO_TLS = Tls.builder().enabled(false).build();

    private final WebClient client;
    private final Tls tls;
    private final DnsResolver resolver;
    private final int maxIdlePerHost;
    private final long idleLimitNanos;
    private final LongSupplier nanoTime;
    private final Map<Key, Host> hosts = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;
    private volatile boolean closed;

    private record Key(String scheme, String host, int port) {
    }

    private record Idle(TcpClientConnection connection, long since) {
    }

    /** One host's idle connections, newest first, and how many there are. */
    private static final class Host {
        final Deque<Idle> idle = new ConcurrentLinkedDeque<>();
        final AtomicInteger size = new AtomicInteger();
    }

    /**
     * @param client whose settings (connect timeout, TLS, socket options) new connections use
     * @param resolver resolves the host of every new connection
     * @param maxIdlePerHost idle connections kept per host; more are closed when they come back
     */
    BranchConnections(WebClient client, DnsResolver resolver, int maxIdlePerHost) {
        this(client, resolver, maxIdlePerHost, IDLE_LIMIT, System::nanoTime);
        sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("jdtm-branch-connections").factory());
        sweeper.scheduleWithFixedDelay(this::sweep, IDLE_LIMIT.toMillis(), IDLE_LIMIT.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** For tests: the idle limit and the clock are the caller's, and nothing sweeps unless {@link #sweep} is called. */
    BranchConnections(WebClient client, DnsResolver resolver, int maxIdlePerHost, Duration idleLimit,
            LongSupplier nanoTime) {
        this.client = client;
        this.tls = client.prototype().tls();
        this.resolver = resolver;
        this.maxIdlePerHost = maxIdlePerHost;
        this.idleLimitNanos = idleLimit.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Sends a request on a connection to the URI's host, an idle one if there is one, else a new one: {@code send}
     * puts the request on the connection it is given and returns the response (its status and headers read). Closing
     * the response gives the connection back (Helidon does so when the answer allows keep-alive) or closes it.
     */
    HttpClientResponse send(URI uri, Function<ClientConnection, HttpClientResponse> send) {
        Key key = keyOf(uri);
        Host host = hosts.get(key);
        TcpClientConnection reused = host == null ? null : takeIdle(host);
        if (reused != null) {
            try {
                return send.apply(reused);
            } catch (RuntimeException e) {
                reused.closeResource();
                if (!closedByPeer(e)) {
                    throw e;
                }
                // the server closed it while it was idle: once more, on a new connection
            }
        }
        TcpClientConnection fresh = open(key);
        try {
            return send.apply(fresh);
        } catch (RuntimeException e) {
            fresh.closeResource();
            throw e;
        }
    }

    private TcpClientConnection takeIdle(Host host) {
        long now = nanoTime.getAsLong();
        Idle idle;
        while ((idle = host.idle.pollFirst()) != null) {
            host.size.decrementAndGet();
            if (now - idle.since() <= idleLimitNanos && idle.connection().isConnected()) {
                return idle.connection();
            }
            idle.connection().closeResource();
        }
        return null;
    }

    private TcpClientConnection open(Key key) {
        ConnectionKey ck = ConnectionKey.create(key.scheme(), key.host(), key.port(),
                key.scheme().equals("https") ? tls : NO_TLS, resolver, DnsAddressLookup.defaultLookup(),
                Proxy.noProxy());
        return TcpClientConnection.create(client, ck, HTTP1, c -> giveBack(key, c), c -> { }).connect();
    }

    /** Helidon's release hook: true keeps the connection open (it is idle here now), false has Helidon close it. */
    private boolean giveBack(Key key, TcpClientConnection c) {
        if (closed || !c.isConnected()) {
            return false;
        }
        Host host = hosts.computeIfAbsent(key, k -> new Host());
        if (host.size.incrementAndGet() > maxIdlePerHost) {
            host.size.decrementAndGet();
            return false;
        }
        host.idle.offerFirst(new Idle(c, nanoTime.getAsLong()));
        return true;
    }

    /**
     * Closes the connections idle for longer than the limit (the oldest are at the bottom of each stack). A host's
     * entry stays, empty, once it has answered with keep-alive: a few dozen bytes per RM host ever called.
     */
    void sweep() {
        long now = nanoTime.getAsLong();
        for (Host host : hosts.values()) {
            Idle last;
            while ((last = host.idle.peekLast()) != null && now - last.since() > idleLimitNanos) {
                if (host.idle.removeLastOccurrence(last)) {
                    host.size.decrementAndGet();
                    last.connection().closeResource();
                }
            }
        }
    }

    /** Idle connections kept now, over every host. */
    int idleCount() {
        return hosts.values().stream().mapToInt(h -> h.size.get()).sum();
    }

    private static Key keyOf(URI uri) {
        String scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String host = uri.getHost();
        if (host == null) {
            throw new IllegalArgumentException("the URL names no host: " + uri);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // an IPv6 literal, as Helidon names it
        }
        return new Key(scheme, host, port);
    }

    /** Whether the failure says the peer had closed the connection (not that it was slow to answer). */
    static boolean closedByPeer(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketException || t instanceof DataReader.InsufficientDataAvailableException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        for (Host host : hosts.values()) {
            Idle idle;
            while ((idle = host.idle.pollFirst()) != null) {
                host.size.decrementAndGet();
                idle.connection().closeResource();
            }
        }
    }
}
