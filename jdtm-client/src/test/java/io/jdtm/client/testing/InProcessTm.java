package io.jdtm.client.testing;

import io.jdtm.server.JdtmServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The real jdtm server, in-process on free ports (HTTP and gRPC) over its embedded store in a temporary directory. The background
 * poller is off: tests run a poller round with {@link #cron(Duration)} when they want the TM to retry or time out.
 */
public final class InProcessTm implements AutoCloseable {
    private final JdtmServer server;

    public InProcessTm() {
        Path dir;
        try {
            dir = Files.createTempDirectory("jdtm-sdk-e2e");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server = JdtmServer.builder().httpPort(0).grpcPort(0).dataDir(dir).host("127.0.0.1").poller(false).start();
    }

    public String dtmUrl() {
        return "http://127.0.0.1:" + server.httpPort() + "/api/dtmsvr";
    }

    /** The gRPC API's address ({@code dtmgimp.Dtm}), {@code 127.0.0.1:<port>}. */
    public String grpcTarget() {
        return "127.0.0.1:" + server.grpcPort();
    }

    /** One poller round that treats everything due within {@code lookahead} as due now. */
    public int cron(Duration lookahead) {
        return server.poller().runOnce(lookahead);
    }

    @Override
    public void close() {
        server.close();
    }
}
