package io.jdtm.examples.fault;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.scenario.ServerProcessMain;
import io.jdtm.server.store.StoreFactory;
import io.jdtm.server.store.TransStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The TMs of the workload: real jdtm processes ({@link ServerProcessMain} of the jdtm-server test-jar, with the
 * poller's lease and retry interval set short), either one on an embedded store in a temporary data directory or
 * three on one PostgreSQL store. {@link #killOne()} SIGKILLs one and restarts it on the same store (a new port).
 * Thread-safe: {@link #pick()} may be called while a TM is being replaced.
 */
final class TmCluster implements AutoCloseable {
    /** One kill: when, which instance, and how long until its replacement answered. */
    record Kill(Instant at, int instance, Duration downtime) {}

    private final WorkloadConfig.Mode mode;
    private final List<String> args;
    private final Path dataDir;
    private final StoreConfig store;
    private final String[] urls;
    private final Process[] processes;
    private final List<Kill> kills = new CopyOnWriteArrayList<>();
    private final Path logs;
    private int launches;
    /** Kills the TMs if the workload's JVM is stopped (SIGTERM, Ctrl-C) before {@link #close}. */
    private final Thread onExit = new Thread(this::destroyAll, "fault-tm-cleanup");

    private TmCluster(WorkloadConfig.Mode mode, List<String> args, Path dataDir, StoreConfig store, Path logs) {
        this.mode = mode;
        this.args = args;
        this.dataDir = dataDir;
        this.store = store;
        this.logs = logs;
        this.urls = new String[mode.tms];
        this.processes = new Process[mode.tms];
    }

    /**
     * Starts the TMs of {@code c.mode()}: the embedded store in a new temporary directory, or the PostgreSQL store
     * in schema {@code storeSchema} of the bank's database (migrated once before the instances start). Each
     * process logs to its own file in {@code logs}: {@code tm<instance>-<launch>.log}.
     */
    static TmCluster start(WorkloadConfig c, String storeSchema, Path logs) throws IOException {
        List<String> args = new ArrayList<>(List.of("retry=" + c.lease()));
        Path dir = null;
        StoreConfig store = null;
        if (c.mode() == WorkloadConfig.Mode.EMBEDDED) {
            dir = Files.createTempDirectory("jdtm-fault");
            args.add("data=" + dir);
        } else {
            URI u = URI.create(c.dbUrl().substring("jdbc:".length()));
            String db = u.getPath().substring(1);
            String user = queryParam(u, "user", "postgres");
            StoreConfig d = StoreConfig.defaults();
            store = new StoreConfig("postgres", u.getHost(), u.getPort() < 0 ? 5432 : u.getPort(), user, "", db,
                    storeSchema, 4, 1, d.connMaxLifeTime(), d.dataExpire(), d.finishedDataExpire(), d.redisPrefix(),
                    d.dataDir(), d.retention());
            try (TransStore s = StoreFactory.open(store)) {
                s.reset(); // migrated and empty before three processes start at once
            }
            args.addAll(List.of("driver=postgres", "host=" + store.host(), "port=" + store.port(), "user=" + user,
                    "db=" + db, "schema=" + storeSchema, "conns=12"));
        }
        Files.createDirectories(logs);
        TmCluster cluster = new TmCluster(c.mode(), List.copyOf(args), dir, store, logs);
        Runtime.getRuntime().addShutdownHook(cluster.onExit);
        for (int i = 0; i < c.mode().tms; i++) {
            cluster.processes[i] = cluster.launch(i);
        }
        for (int i = 0; i < c.mode().tms; i++) {
            cluster.urls[i] = "http://127.0.0.1:" + ServerProcessMain.awaitPort(cluster.processes[i]);
        }
        return cluster;
    }

    private Process launch(int instance) throws IOException {
        List<String> a = new ArrayList<>(args);
        a.add("log=" + logs.resolve("tm" + instance + "-" + (++launches) + ".log"));
        return ServerProcessMain.launch(a.toArray(String[]::new));
    }

    private static String queryParam(URI u, String key, String def) {
        if (u.getQuery() == null) {
            return def;
        }
        for (String kv : u.getQuery().split("&")) {
            if (kv.startsWith(key + "=")) {
                return kv.substring(key.length() + 1);
            }
        }
        return def;
    }

    /** A random TM that is up, or null while none is (the embedded TM between a kill and its restart). */
    String pick() {
        int n = urls.length;
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            String u;
            synchronized (this) {
                u = urls[(start + i) % n];
            }
            if (u != null) {
                return u;
            }
        }
        return null;
    }

    /** Every TM that is up. */
    synchronized List<String> upUrls() {
        return Stream.of(urls).filter(u -> u != null).toList();
    }

    /**
     * SIGKILLs one TM (the only one, or a random one of three) and starts a new process on the same store,
     * returning when it answers.
     */
    Kill killOne() throws IOException, InterruptedException {
        int i = ThreadLocalRandom.current().nextInt(processes.length);
        Instant at = Instant.now();
        synchronized (this) {
            urls[i] = null;
        }
        processes[i].destroyForcibly(); // SIGKILL
        processes[i].waitFor();
        processes[i] = launch(i);
        String url = "http://127.0.0.1:" + ServerProcessMain.awaitPort(processes[i]);
        synchronized (this) {
            urls[i] = url;
        }
        Kill k = new Kill(at, i, Duration.between(at, Instant.now()));
        kills.add(k);
        return k;
    }

    List<Kill> kills() {
        return List.copyOf(kills);
    }

    WorkloadConfig.Mode mode() {
        return mode;
    }

    private synchronized void destroyAll() {
        for (Process p : processes) {
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Where the transactions are stored, for the report. */
    String storeDescription() {
        return store == null ? "embedded store in " + dataDir
                : "PostgreSQL store " + store.host() + ":" + store.port() + "/" + store.db() + " schema "
                        + store.schema();
    }

    /** Kills every TM; deletes the data directory or drops the store schema unless {@code keep}. */
    void close(boolean keep) {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down already: the hook runs anyway
        }
        if (keep) {
            return;
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (store != null) {
            String url = "jdbc:postgresql://" + store.host() + ":" + store.port() + "/" + store.db() + "?user="
                    + store.user();
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                st.execute("drop schema if exists " + store.schema() + " cascade");
            } catch (SQLException e) {
                // best effort: the schema name is unique per run
            }
        }
    }

    @Override
    public void close() {
        close(false);
    }
}
