package io.jdtm.server.scenario;

import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.StoreFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * A real jdtm server process for crash and multi-instance tests, on a free port printed as {@code PORT <n>}, with
 * short retry settings so recovery is quick. Runs until killed.
 *
 * <p>Arguments: either one directory (the embedded store there), or {@code key=value} pairs: {@code data}, {@code
 * driver}, {@code host}, {@code port}, {@code user}, {@code db}, {@code schema}, {@code prefix} (the store),
 * {@code retry} (RetryInterval, the poller's lease, default 2), {@code batch} (CronBatch), {@code concurrency}
 * (CronConcurrency).
 */
public final class ServerProcessMain {
    private ServerProcessMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        if (args.length == 1 && !args[0].contains("=")) {
            a.put("data", args[0]);
        } else {
            for (String arg : args) {
                int eq = arg.indexOf('=');
                a.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
        }
        StoreConfig d0 = StoreConfig.defaults();
        StoreConfig store = new StoreConfig(a.getOrDefault("driver", d0.driver()), a.getOrDefault("host", ""),
                Integer.parseInt(a.getOrDefault("port", "0")), a.getOrDefault("user", ""), "",
                a.getOrDefault("db", d0.db()), a.getOrDefault("schema", d0.schema()), 16, 2, d0.connMaxLifeTime(),
                d0.dataExpire(), d0.finishedDataExpire(), a.getOrDefault("prefix", d0.redisPrefix()),
                a.getOrDefault("data", d0.dataDir()), d0.retention());
        ServerConfig d = ServerConfig.defaults();
        ServerConfig c = new ServerConfig(store, 1, d.timeoutToFail(), Long.parseLong(a.getOrDefault("retry", "2")),
                d.requestTimeout(), 0, d.grpcPort(), d.jsonRpcPort(), d.updateBranchSync(),
                d.updateBranchAsyncGoroutineNum(), d.logLevel(), d.timeZoneOffset(), d.configUpdateInterval(),
                d.alertRetryLimit(), "", "", d.grpcServiceConfig(), d.maxBodyBytes(),
                Integer.parseInt(a.getOrDefault("concurrency", Integer.toString(d.cronConcurrency()))),
                Integer.parseInt(a.getOrDefault("batch", Integer.toString(d.cronBatch()))), d.maxGidLength());
        JdtmServer server = JdtmServer.builder(c, StoreFactory.open(c.store())).host("127.0.0.1").start();
        System.out.println("PORT " + server.httpPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
