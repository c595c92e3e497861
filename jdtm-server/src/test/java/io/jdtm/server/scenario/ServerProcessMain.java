package io.jdtm.server.scenario;

import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.config.StoreConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real jdtm server process for crash and multi-instance tests, on a free port printed as {@code PORT <n>}, with
 * short retry settings so recovery is quick. Runs until killed.
 *
 * <p>Arguments: either one directory (the embedded store there), or {@code key=value} pairs: {@code data}, {@code
 * driver}, {@code host}, {@code port}, {@code user}, {@code db}, {@code schema}, {@code prefix} (the store),
 * {@code retry} (RetryInterval, the poller's lease, default 2), {@code batch} (CronBatch), {@code concurrency}
 * (CronConcurrency), {@code conns} (the store's MaxOpenConns, default 16), {@code log} (a file that receives the
 * server's log, appended, instead of the merged output).
 *
 * <p>{@link #launch} and {@link #awaitPort} are public for the fault workload of the examples module, which drives
 * these processes from the jdtm-server test-jar.
 */
public final class ServerProcessMain {
    private ServerProcessMain() {}

    /** Starts this class as a child JVM with {@code args} on the test class path; its output is merged to stdout. */
    public static Process launch(String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), ServerProcessMain.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the child's output up to its {@code PORT} line and keeps draining the rest in the background. */
    public static int awaitPort(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("PORT ")) {
                Thread.startVirtualThread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe empty
                        }
                    } catch (IOException e) {
                        // the process died
                    }
                });
                return Integer.parseInt(line.substring(5).trim());
            }
        }
        throw new IllegalStateException("a server process ended before reporting its port");
    }

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
        if (a.containsKey("log")) {
            // logback's console appender writes to whatever System.err is when it logs
            System.setErr(new java.io.PrintStream(new java.io.FileOutputStream(a.get("log"), true), true,
                    StandardCharsets.UTF_8));
        }
        StoreConfig d0 = StoreConfig.defaults();
        StoreConfig store = new StoreConfig(a.getOrDefault("driver", d0.driver()), a.getOrDefault("host", ""),
                Integer.parseInt(a.getOrDefault("port", "0")), a.getOrDefault("user", ""), "",
                a.getOrDefault("db", d0.db()), a.getOrDefault("schema", d0.schema()),
                Integer.parseInt(a.getOrDefault("conns", "16")), 2, d0.connMaxLifeTime(),
                d0.dataExpire(), d0.finishedDataExpire(), a.getOrDefault("prefix", d0.redisPrefix()),
                a.getOrDefault("data", d0.dataDir()), d0.retention());
        ServerConfig d = ServerConfig.defaults();
        ServerConfig c = d.withStore(store)
                .with("TransCronInterval", 1L)
                .with("RetryInterval", Long.parseLong(a.getOrDefault("retry", "2")))
                .withHttpPort(0).withGrpcPort(0)
                .with("CronConcurrency", Integer.parseInt(a.getOrDefault("concurrency", Integer.toString(d.cronConcurrency()))))
                .with("CronBatch", Integer.parseInt(a.getOrDefault("batch", Integer.toString(d.cronBatch()))));
        JdtmServer server = JdtmServer.builder().config(c).host("127.0.0.1").start();
        System.out.println("PORT " + server.httpPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
