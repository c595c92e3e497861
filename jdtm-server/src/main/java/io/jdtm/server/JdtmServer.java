package io.jdtm.server;

import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.store.TransStore;

/**
 * A running transaction manager: the HTTP API on {@link #httpPort()} and the poller, over one {@link TransStore}.
 * Start one with {@link #start(ServerConfig, TransStore)}; {@link #close()} stops the API and the poller and closes
 * the store. Several instances may run in one JVM (tests) or share one store across processes.
 */
public final class JdtmServer implements AutoCloseable {

    private JdtmServer() {}

    /**
     * Starts a server over an opened store. An {@code HttpPort} of 0 picks a free port. The server owns the store
     * from here on and closes it on {@link #close()}.
     */
    public static JdtmServer start(ServerConfig config, TransStore store) {
        throw new UnsupportedOperationException("being written");
    }

    /** The port the HTTP API listens on. */
    public int httpPort() {
        throw new UnsupportedOperationException("being written");
    }

    /** The base URL clients use: {@code http://localhost:<port>/api/dtmsvr}. */
    public String dtmUrl() {
        return "http://localhost:" + httpPort() + "/api/dtmsvr";
    }

    public TransStore store() {
        throw new UnsupportedOperationException("being written");
    }

    @Override
    public void close() {}
}
