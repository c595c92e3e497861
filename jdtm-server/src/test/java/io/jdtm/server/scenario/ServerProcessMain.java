package io.jdtm.server.scenario;

import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.StoreFactory;

/**
 * A real jdtm server process for crash tests: embedded store in {@code args[0]}, a free port printed as
 * {@code PORT <n>}, short retry settings so recovery after a restart is quick. Runs until killed.
 */
public final class ServerProcessMain {
    private ServerProcessMain() {}

    public static void main(String[] args) throws Exception {
        ServerConfig d = ServerConfig.defaults();
        ServerConfig c = new ServerConfig(StoreConfig.defaults().withDataDir(args[0]), 1, d.timeoutToFail(), 2,
                d.requestTimeout(), 0, d.grpcPort(), d.jsonRpcPort(), d.updateBranchSync(),
                d.updateBranchAsyncGoroutineNum(), d.logLevel(), d.timeZoneOffset(), d.configUpdateInterval(),
                d.alertRetryLimit(), "", "", d.grpcServiceConfig(), d.maxBodyBytes(), d.cronConcurrency(),
                d.cronBatch(), d.maxGidLength());
        JdtmServer server = JdtmServer.builder(c, StoreFactory.open(c.store())).host("127.0.0.1").start();
        System.out.println("PORT " + server.httpPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
