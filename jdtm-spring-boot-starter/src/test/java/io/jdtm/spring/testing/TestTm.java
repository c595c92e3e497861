package io.jdtm.spring.testing;

import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * The real jdtm server in-process on free ports, over its embedded store in a temporary directory; the poller is
 * off (tests use {@code waitResult}, which runs the first pass at once).
 */
public final class TestTm implements AutoCloseable {
    private final JdtmServer server;

    public TestTm() {
        StoreConfig store;
        try {
            store = StoreConfig.defaults().withDataDir(Files.createTempDirectory("jdtm-spring").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = JdtmServer.builder().store(store).httpPort(0).grpcPort(0).host("127.0.0.1").poller(false).start();
    }

    /** {@code http://127.0.0.1:<port>/api/dtmsvr}. */
    public String dtmUrl() {
        return server.dtmUrl();
    }

    public String grpcTarget() {
        return "127.0.0.1:" + server.grpcPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
