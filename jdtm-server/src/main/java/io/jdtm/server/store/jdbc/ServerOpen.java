package io.jdtm.server.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens {@link JdbcTransStore} on a database server (PostgreSQL, MySQL/MariaDB): the HikariCP pool, the Flyway
 * migration (history in {@code jdtm_schema_history}; an existing DTM database is baselined at version 0 and adopted
 * in place, never recreated), and why an open failed — worth waiting for, or a mistake to fix.
 */
final class ServerOpen {
    private static final Logger LOG = LoggerFactory.getLogger(ServerOpen.class);
    /**
     * Group-commit lanes (see {@link GroupCommit}) unless {@code Store.WriteLanes} says otherwise, where a batch runs
     * its writes one after another (MariaDB): 2
     * measured best on a 2-core host (4 and 8 gave smaller batches; 1 halved the throughput). A pipelined batch
     * (PostgreSQL) is a few round trips whatever its size, so one lane, whose batches are twice as large, cost
     * 40 % less CPU per saga in the TM and 30 % less in PostgreSQL than two (bench/README.md).
     */
    private static final int MAX_LANES = 2;
    /** Longest wait for a pooled connection before a call fails as "unavailable". */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /**
     * At open, besides the above: too many connections (PostgreSQL 53300), a lock or deadlock met by the migration
     * (40001, 40P01, 55P03): they pass.
     */
    private static final Set<String> RETRY_STATES = Set.of("53300", "40001", "40P01", "55P03");
    /**
     * SQLState classes that mean the server answered and refused: invalid authorization (28: wrong user or
     * password), invalid catalog (3D: unknown database), syntax or access rule (42: MySQL's unknown database and
     * missing rights), feature not supported (0A). Waiting does not fix them.
     */
    private static final Set<String> CONFIG_STATE_CLASSES = Set.of("28", "3D", "42", "0A");
    /** HikariCP's message (no SQLState) for a pooled connection used after the pool closed it. */
    private static final String HIKARI_CLOSED = "Connection is closed";
    /** Hikari keeps minimumIdle connections open; DTM's MaxIdleConns is only a cap, so the floor stays small. */
    private static final int IDLE_FLOOR_CAP = 8;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Pattern PG_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private ServerOpen() {}

    /**
     * Connects to the server {@code cfg.driver()} names ({@code postgres} or {@code mysql}), creates the MySQL
     * database when missing, migrates the schema and returns the open store. The caller closes it.
     *
     * @throws IllegalArgumentException when the driver is not a SQL one or a name is not a plain identifier
     * @throws StoreUnavailableException when the server cannot be reached, or the connection broke (also during
     *         the migration): the same call may succeed later
     * @throws StoreException when the server refused (credentials, database, rights) or the migration failed
     */
    static JdbcTransStore open(StoreConfig cfg) {
        Objects.requireNonNull(cfg, "cfg");
        ServerDialect d = switch (cfg.driver()) {
            case "postgres" -> new PostgresDialect();
            case "mysql" -> new MysqlDialect();
            default -> throw new IllegalArgumentException("Store.Driver '" + cfg.driver() + "' is not a SQL driver");
        };
        String ns = d.namespace(cfg);
        // The namespace is spliced into DDL (CREATE DATABASE, the Flyway schema): only plain identifiers.
        Pattern allowed = d instanceof PostgresDialect ? PG_NAME : NAME;
        if (!allowed.matcher(ns).matches()) {
            throw new IllegalArgumentException((d instanceof PostgresDialect ? "Store.Schema" : "Store.Db") + " '" + ns
                    + "' must match " + allowed.pattern());
        }
        if (cfg.host() == null || cfg.host().isEmpty() || cfg.port() <= 0) {
            throw new IllegalArgumentException("Store.Host and Store.Port are required for " + d.name());
        }
        String where = d.name() + "://" + cfg.host() + ":" + cfg.port() + "/" + cfg.db()
                + (d instanceof PostgresDialect ? " schema " + ns : "");
        try {
            d.prepareServer(cfg);
        } catch (SQLException e) {
            throw openFailure("cannot reach " + where, e);
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(poolConfig(cfg, d));
        } catch (RuntimeException e) {
            throw openFailure("cannot connect to " + where, e);
        }
        try {
            Flyway flyway = Flyway.configure(ServerOpen.class.getClassLoader())
                    .dataSource(pool)
                    .locations(d.migrations())
                    .javaMigrations(new AdoptOlderDtmSchema(d, ns))
                    .schemas(ns)
                    .defaultSchema(ns)
                    .createSchemas(true)
                    .table("jdtm_schema_history")
                    // A schema that DTM's own script filled has no history table: record version 0 and let the
                    // (idempotent) migrations adopt what is there.
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .baselineDescription("tables that existed before jdtm")
                    .load();
            repairCutOffMigration(flyway, where);
            MigrateResult r = flyway.migrate();
            warnIfNewer(flyway, where);
            LOG.info("{} store opened: {} (schema v{}, {} migration(s) applied now)", d.name(), where,
                    r.targetSchemaVersion == null ? r.initialSchemaVersion : r.targetSchemaVersion,
                    r.migrationsExecuted);
        } catch (FlywayException e) {
            pool.close();
            throw openFailure("schema migration of " + where + " failed", e);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        // A lane holds one pooled connection while it commits a batch; leave most of the pool to everything else.
        int lanes = cfg.writeLanes() > 0 ? Math.min(cfg.writeLanes(), pool.getMaximumPoolSize())
                : d.pipelinesBatches() ? 1 : Math.clamp(pool.getMaximumPoolSize() / 4, 1, MAX_LANES);
        return new JdbcTransStore(d, new Runner(d, pool::getConnection, pool::getConnection, lanes, where, pool));
    }

    /**
     * A migration that an earlier start began but could not finish (the connection dropped, the process was
     * killed) is recorded as failed on MySQL/MariaDB, whose DDL is not transactional (on PostgreSQL it was rolled
     * back whole and left no record), and Flyway then refuses to migrate until the record is removed. Every
     * migration of jdtm can be re-run over a half-applied one (each statement is "if not exists", V2 checks each
     * column), so the record is removed ({@code repair}) and the migration runs again.
     */
    private static void repairCutOffMigration(Flyway flyway, String where) {
        for (MigrationInfo m : flyway.info().all()) {
            if (m.getState().isFailed()) {
                LOG.warn("{}: migration V{} ({}) was cut off by an earlier start; running it again (jdtm's migrations"
                        + " can be re-run over a half-applied one)", where, m.getVersion(), m.getDescription());
                flyway.repair();
                return;
            }
        }
    }

    /**
     * Flyway's own warning for this is silenced with its failure logs (logback.xml): a schema migrated by a newer
     * jdtm is used as it is, which works as long as that release kept the tables compatible.
     */
    private static void warnIfNewer(Flyway flyway, String where) {
        MigrationInfo current = flyway.info().current();
        if (current != null && current.getState() == MigrationState.FUTURE_SUCCESS) {
            LOG.warn("{}: the schema is at version {}, newer than this jdtm knows; a newer jdtm migrated it", where,
                    current.getVersion());
        }
    }

    /**
     * Why {@link #open} failed, as the exception {@link StoreWait} needs: a {@link StoreUnavailableException} when
     * the server could not be reached or the connection broke (refused, reset, timed out, server starting up or
     * shutting down, too many connections: worth waiting for), else a {@link StoreException} (a mistake to fix:
     * wrong credentials, unknown database, missing rights, SQL the server refuses, a schema Flyway cannot adopt).
     * The message is one line: what failed and the driver's own reason.
     */
    static StoreException openFailure(String what, Throwable e) {
        SQLException reason = null;
        boolean reachable = false;
        boolean unreachable = false;
        for (Throwable t : causes(e)) {
            if (t instanceof SQLException se) {
                for (SQLException n = se; n != null && n != n.getNextException(); n = n.getNextException()) {
                    String state = n.getSQLState() == null ? "" : n.getSQLState();
                    if (reason == null || (reason.getSQLState() == null && !state.isEmpty())) {
                        reason = n; // the first one that names a SQLState, else the first one
                    }
                    if (state.length() >= 2 && CONFIG_STATE_CLASSES.contains(state.substring(0, 2))) {
                        reachable = true; // the server answered, and said no
                    } else if (state.startsWith("08") || Runner.UNAVAILABLE_STATES.contains(state)
                            || RETRY_STATES.contains(state) || n instanceof SQLTransientException
                            || n instanceof SQLRecoverableException || n instanceof SQLNonTransientConnectionException
                            // Flyway went on with a pooled connection the pool had closed because it broke (on
                            // MySQL it then reports that, and the broken connection itself is lost)
                            || (state.isEmpty() && HIKARI_CLOSED.equals(n.getMessage()))) {
                        unreachable = true;
                    }
                }
            } else if (t instanceof IOException) {
                unreachable = true; // refused, reset, unknown host, timed out, end of stream
            }
        }
        String why = reason == null ? firstLine(e.getMessage())
                : reason.getSQLState() != null ? reason.getMessage() + " (SQLState " + reason.getSQLState() + ")"
                : HIKARI_CLOSED.equals(reason.getMessage()) ? "the connection broke (" + HIKARI_CLOSED + ")"
                : reason.getMessage();
        String message = what + ": " + why;
        return unreachable && !reachable ? new StoreUnavailableException(message, e) : new StoreException(message, e);
    }

    /** {@code e} and its causes, then what they suppressed (Flyway's failed rollbacks) and their causes; each once. */
    private static List<Throwable> causes(Throwable e) {
        List<Throwable> out = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            out.add(t);
        }
        for (int i = 0; i < out.size(); i++) {
            for (Throwable s : out.get(i).getSuppressed()) {
                for (Throwable t = s; t != null && seen.add(t); t = t.getCause()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static HikariConfig poolConfig(StoreConfig cfg, ServerDialect d) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("jdtm-" + d.name());
        hc.setJdbcUrl(d.jdbcUrl(cfg));
        hc.setUsername(cfg.user());
        hc.setPassword(cfg.password());
        int max = Math.max(1, cfg.maxOpenConns());
        hc.setMaximumPoolSize(max);
        hc.setMinimumIdle(Math.clamp(cfg.maxIdleConns(), 0, Math.min(max, IDLE_FLOOR_CAP)));
        // ConnMaxLifeTime is in minutes, as in DTM; 0 means "forever" in both.
        hc.setMaxLifetime(cfg.connMaxLifeTime() <= 0 ? 0 : Duration.ofMinutes(cfg.connMaxLifeTime()).toMillis());
        hc.setTransactionIsolation(d.isolation());
        // Single statements run in autocommit (one round trip); multi-statement operations switch it off.
        hc.setAutoCommit(true);
        // One connection attempt at start: StoreWait retries (and logs each attempt) while the server is down.
        hc.setInitializationFailTimeout(1);
        // Once running, a request waits this long for a connection and then fails (503) instead of hanging while
        // the server is down; the pool keeps reconnecting in the background and recovers by itself.
        hc.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        return hc;
    }
}
