package io.jdtm.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.jdtm.server.config.ConfigException;
import io.jdtm.server.config.ConfigLoader;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreWait;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TimeZone;
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
 * {@code TimeZoneOffset} and the log level, log the effective config with secrets masked, open the store (waiting
 * while it cannot be reached, up to {@code StoreWaitTimeout}; see {@link StoreWait}), reset it when {@code -r} is
 * given (then keep going, as DTM does), start the server, and run until SIGTERM or SIGINT (see
 * {@link StopSignals}), when the server stops cleanly within {@code ShutdownGrace} ({@link JdtmServer#stop}).
 *
 * <p>Exit codes: 0 after {@code -v}/{@code -h}, a clean stop, or a stop requested while waiting for the store; 2 for
 * a bad command line or configuration (message only, no stack trace); 1 when the store or the server fails to start
 * (the store refused, or stayed unreachable for {@code StoreWaitTimeout}), or when a stop overran its grace period
 * by {@link #STOP_OVERRUN}; 128 + the signal number when a second signal cuts a stop short.
 */
public final class Main {

    /** A clean exit. */
    public static final int OK = 0;
    /** The store or the server could not start. */
    public static final int FAILED = 1;
    /** Bad flags or bad configuration: the operator has to fix something. */
    public static final int USAGE = 2;

    /** How long a stop may take beyond {@code ShutdownGrace} before the process exits anyway (exit code 1). */
    static final Duration STOP_OVERRUN = Duration.ofSeconds(5);

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
        // always exit explicitly: a store attempt abandoned by a stop may still hold a non-daemon thread
        System.exit(run(args, System.getenv(), System.out, System.err));
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

        StopSignals signals = StopSignals.install();
        JdtmServer server;
        // a stop signal while the store is awaited (StoreWaitTimeout) ends the wait: exit 0
        signals.interruptOnStop(Thread.currentThread());
        try {
            server = JdtmServer.builder().config(config).resetStore(flags.reset).start();
        } catch (StoreWait.Interrupted e) {
            LOG.info("{} while waiting for the store: stopped", signals.signal());
            return OK;
        } catch (StoreException e) {
            LOG.error("cannot open the {} store: {}", config.store().driver(), e.getMessage());
            LOG.debug("store failure", e);
            return FAILED;
        } catch (IllegalArgumentException e) {
            LOG.error("cannot open the {} store: {}", config.store().driver(), e.getMessage());
            return FAILED;
        } catch (RuntimeException e) {
            LOG.error("cannot start jdtm", e);
            return FAILED;
        } finally {
            signals.interruptOnStop(null);
            Thread.interrupted(); // a signal that came just as the server started is seen by await() below
        }

        // Where the signals could not be taken over (and for SIGHUP, or System.exit elsewhere), the JVM's shutdown
        // still stops the server cleanly; after a clean stop this finds it stopped and returns at once.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jdtm-shutdown").unstarted(server::close));
        LOG.info("jdtm is running: {} and gRPC localhost:{} (store {})", server.dtmUrl(), server.grpcPort(),
                server.store().name());
        try {
            signals.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Duration grace = Duration.ofSeconds(config.shutdownGrace());
        LOG.info("{}: stopping jdtm (ShutdownGrace {} s; a second signal exits at once)", signals.signal(),
                grace.toSeconds());
        StopSignals.deadline(grace.plus(STOP_OVERRUN), FAILED);
        server.stop(grace);
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
