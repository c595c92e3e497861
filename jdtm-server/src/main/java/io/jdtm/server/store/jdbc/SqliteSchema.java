package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.StoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The embedded store's schema: DTM's tables and column names (spec §10.1) in SQLite types. Times are INTEGER epoch
 * milliseconds, {@code options} is the JSON text, {@code bin_data} a BLOB. The version lives in
 * {@code PRAGMA user_version} so a later release can upgrade a data file in place.
 */
final class SqliteSchema {
    /** The schema version this code writes and reads. */
    static final int VERSION = 2;

    // AUTOINCREMENT so that ids are never reused after deletes: the id is the paging cursor of the listing and must
    // keep growing, or a page cursor could skip or repeat rows.
    private static final List<String> DDL = List.of(
            """
            CREATE TABLE IF NOT EXISTS trans_global (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              gid TEXT NOT NULL,
              trans_type TEXT NOT NULL,
              status TEXT NOT NULL,
              query_prepared TEXT NOT NULL DEFAULT '',
              protocol TEXT NOT NULL DEFAULT '',
              create_time INTEGER,
              update_time INTEGER,
              finish_time INTEGER,
              rollback_time INTEGER,
              options TEXT DEFAULT '',
              custom_data TEXT DEFAULT '',
              next_cron_interval INTEGER,
              next_cron_time INTEGER,
              owner TEXT NOT NULL DEFAULT '',
              ext_data TEXT DEFAULT '',
              result TEXT DEFAULT '',
              rollback_reason TEXT DEFAULT '',
              CONSTRAINT gid UNIQUE (gid)
            )""",
            "CREATE INDEX IF NOT EXISTS owner ON trans_global (owner)",
            "CREATE INDEX IF NOT EXISTS status_next_cron_time ON trans_global (status, next_cron_time)",
            """
            CREATE TABLE IF NOT EXISTS trans_branch_op (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              gid TEXT NOT NULL,
              url TEXT NOT NULL DEFAULT '',
              data TEXT DEFAULT '',
              bin_data BLOB,
              branch_id TEXT NOT NULL,
              op TEXT NOT NULL,
              status TEXT NOT NULL,
              finish_time INTEGER,
              rollback_time INTEGER,
              create_time INTEGER,
              update_time INTEGER,
              CONSTRAINT gid_branch_uniq UNIQUE (gid, branch_id, op)
            )""",
            """
            CREATE TABLE IF NOT EXISTS kv (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              cat TEXT NOT NULL,
              k TEXT NOT NULL,
              v TEXT,
              version INTEGER DEFAULT 1,
              create_time INTEGER,
              update_time INTEGER,
              CONSTRAINT uniq_k UNIQUE (cat, k)
            )""",
            // version 2: the attempt history (docs/storage.md); times in epoch milliseconds. No AUTOINCREMENT: the
            // id only orders a transaction's attempts (new rows always get a higher rowid than the live ones), and
            // AUTOINCREMENT would cost every insert a write to sqlite_sequence
            """
            CREATE TABLE IF NOT EXISTS jdtm_attempt (
              id INTEGER PRIMARY KEY,
              gid TEXT NOT NULL,
              branch_id TEXT NOT NULL,
              op TEXT NOT NULL,
              start_ms INTEGER NOT NULL,
              latency_ms INTEGER NOT NULL,
              outcome TEXT NOT NULL,
              code TEXT NOT NULL DEFAULT '',
              answer TEXT NOT NULL DEFAULT '',
              next_try_ms INTEGER,
              interval_s INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX IF NOT EXISTS jdtm_attempt_gid ON jdtm_attempt (gid)");

    private SqliteSchema() {}

    /**
     * Creates the tables when missing and stamps the version; refuses a file written by a newer jdtm, whose schema
     * this code cannot know.
     */
    static void migrate(Connection c, String file) throws SQLException {
        try (Statement st = c.createStatement()) {
            int found;
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                found = rs.next() ? rs.getInt(1) : 0;
            }
            if (found > VERSION) {
                throw new StoreException(file + " has schema version " + found + ", newer than this jdtm supports ("
                        + VERSION + "); use a newer jdtm or another Store.DataDir");
            }
            st.execute("BEGIN IMMEDIATE");
            try {
                for (String ddl : DDL) {
                    st.execute(ddl);
                }
                st.execute("PRAGMA user_version = " + VERSION);
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }
}
