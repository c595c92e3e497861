package io.jdtm.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.jdtm.server.config.ConfigException;
import io.jdtm.server.config.ConfigLoader;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.store.StoreException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The {@code jdtm} command, with DTM's flags: {@code -c <file>} config, {@code -d} debug logging, {@code -r} reset
 * the store before starting, {@code -v} version, {@code -h} help.
 *
 * <p>Start-up order, as DTM's {@code entry.Main}: load and validate the config (defaults, environment, file), apply
 * {@code TimeZoneOffset} and the log level, log the effective config with secrets masked, open the store, reset it
 * when {@code -r} is given (then keep going, as DTM does), start the server, and run until SIGINT/SIGTERM, when a
 * shutdown hook closes the server (and with it the store).
 *
 * <p>Exit codes: 0 after {@code -v}/{@code -h} or a clean shutdown; 2 for a bad command line or configuration
 * (message only, no stack trace); 1 when the store or the server fails to start.
 */
public final class Main {

    /** A clean exit. */
    public static final int OK = 0;
    /** The store or the server could not start. */
    public static final int FAILED = 1;
    /** Bad flags or bad configuration: the operator has to fix something. */
    public static final int USAGE = 2;

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    // JUL drops a logger nobody references, and with it its level: keep the quietened loggers reachable.
    private static final java.util.logging.Logger HELIDON_JUL = java.util.logging.Logger.getLogger("io.helidon");
    private static final java.util.logging.Logger GRPC_JUL = java.util.logging.Logger.getLogger("io.grpc");
    /** Logs a stack trace for every message over the transport's hard limit; the caller gets RESOURCE_EXHAUSTED. */
    private static final java.util.logging.Logger GRPC_DEFRAME_JUL =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

    private Main() {}

    /** The flags, bound by picocli. Names are DTM's single-dash letters; the long forms are jdtm's. */
    @Command(
            name = "jdtm",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "A distributed transaction manager compatible with DTM: the DTM HTTP API on HttpPort (36789) and"
                        + " gRPC on GrpcPort (36790).",
                ""
            },
            footer = {
                "",
                "Configuration: defaults, then environment variables (STORE_DRIVER, HTTP_PORT, ...), then the -c"
                        + " file with DTM's YAML keys. See docs/configuration.md."
            })
    static final class Flags {
        @Option(
                names = {"-c", "--config"},
                paramLabel = "<file>",
                description = "Path to the server configuration file (DTM's conf.yml format).")
        Path config;

        @Option(
                names = {"-d", "--debug"},
                description = "Set log level to debug.")
        boolean debug;

        @Option(
                names = {"-r", "--reset"},
                description = "Reset the store (drop and recreate jdtm's data; redis: FLUSHALL), then start.")
        boolean reset;

        @Option(
                names = {"-v", "--version"},
                versionHelp = true,
                description = "Show the version of jdtm.")
        boolean version;

        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help.")
        boolean help;
    }

    public static void main(String[] args) {
        int code = run(args, System.getenv(), System.out, System.err);
        if (code != OK) {
            System.exit(code);
        }
    }

    /**
     * Runs the command. Returns at once for {@code -v}, {@code -h} and every start-up failure; once the server runs,
     * returns only after the JVM began shutting down and the server was closed.
     *
     * @param env the environment to read config variables from ({@code System.getenv()} in production)
     * @return the process exit code
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        var flags = new Flags();
        var cmd = new CommandLine(flags);
        var outWriter = new PrintWriter(out, true, charset(out));
        var errWriter = new PrintWriter(err, true, charset(err));
        cmd.setOut(outWriter).setErr(errWriter);
        try {
            cmd.parseArgs(args);
        } catch (ParameterException e) {
            errWriter.println("jdtm: " + e.getMessage());
            cmd.usage(errWriter);
            return USAGE;
        }
        if (cmd.isUsageHelpRequested()) {
            cmd.usage(outWriter);
            return OK;
        }
        if (cmd.isVersionHelpRequested()) {
            // DTM prints "dtm version: v1.19.0"; scripts that grep for "version: " work with both.
            outWriter.println("jdtm version: " + Version.current());
            return OK;
        }

        ServerConfig config;
        try {
            config = ConfigLoader.load(flags.config, env);
        } catch (ConfigException e) {
            errWriter.println("jdtm: " + e.getMessage());
            errWriter.println("jdtm: every key, its environment variable and default: docs/configuration.md");
            return USAGE;
        }
        return serve(config, flags);
    }

    private static int serve(ServerConfig config, Flags flags) {
        if (!config.timeZoneOffset().isEmpty()) {
            // DTM sets the process zone from TimeZoneOffset; times written to the store and logs follow it.
            TimeZone.setDefault(TimeZone.getTimeZone(ZoneOffset.ofHours(Integer.parseInt(config.timeZoneOffset()))));
        }
        String level = flags.debug ? "debug" : config.logLevel();
        setLogLevel(level);
        LOG.info("jdtm version is: {}", Version.current());
        LOG.info("config{} (log level {}):\n{}", flags.config == null ? "" : " file " + flags.config, level,
                ConfigLoader.describe(config).stripTrailing());

        JdtmServer server;
        try {
            server = JdtmServer.builder().config(config).resetStore(flags.reset).start();
        } catch (StoreException e) {
            LOG.error("cannot open the {} store: {}", config.store().driver(), e.getMessage());
            LOG.debug("store failure", e);
            return FAILED;
        } catch (RuntimeException e) {
            LOG.error("cannot start jdtm", e);
            return FAILED;
        }

        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jdtm-shutdown").unstarted(() -> {
            LOG.info("shutting down jdtm server...");
            try {
                server.close();
            } finally {
                stopped.countDown();
            }
        }));
        LOG.info("jdtm is running: {} and gRPC localhost:{} (store {})", server.dtmUrl(), server.grpcPort(),
                server.store().name());
        // The server's threads may all be virtual (daemon) threads: main must stay alive or the JVM exits at once.
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    /** Sets jdtm's own log level ({@code LogLevel} or {@code -d}); libraries stay at logback.xml's WARN. */
    static void setLogLevel(String level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.getLogger("io.jdtm").setLevel(Level.toLevel(level, Level.INFO));
        }
        // Helidon and grpc-java log through System.Logger/JUL, not SLF4J, so logback.xml does not reach them.
        HELIDON_JUL.setLevel(java.util.logging.Level.WARNING);
        GRPC_JUL.setLevel(java.util.logging.Level.WARNING);
        // any client could flood the log with oversized messages otherwise
        GRPC_DEFRAME_JUL.setLevel(java.util.logging.Level.SEVERE);
    }

    private static Charset charset(PrintStream s) {
        return s.charset();
    }
}
