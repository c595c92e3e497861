package io.jdtm.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.jdbc.JdbcTransStore;
import io.jdtm.server.store.redis.RedisTransStore;
import org.junit.jupiter.api.Test;

/** StoreFactory picks the server engines by DTM's driver names. */
class StoreFactoryServerEnginesTest {

    @Test
    void postgresAndMysqlOpenTheJdbcEngine() {
        Backends.require("PostgreSQL", Backends.POSTGRES_PORT);
        Backends.require("MariaDB", Backends.MARIADB_PORT);
        StoreConfig pg = Backends.postgres("jdtm_factory");
        StoreConfig my = Backends.mariadb("jdtm_factory");
        try (TransStore p = StoreFactory.open(pg); TransStore m = StoreFactory.open(my)) {
            assertThat(p).isInstanceOf(JdbcTransStore.class);
            assertThat(p.name()).isEqualTo("postgres");
            assertThat(m).isInstanceOf(JdbcTransStore.class);
            assertThat(m.name()).isEqualTo("mysql");
            assertThat(p.writerStats()).hasValueSatisfying(w -> assertThat(w.lanes()).as("PostgreSQL's default").isOne());
            assertThat(m.writerStats()).hasValueSatisfying(w -> assertThat(w.lanes()).isBetween(1, 2));
            p.reset();
            try (TransStore three = StoreFactory.open(pg.withWriteLanes(3))) {
                assertThat(three.writerStats()).hasValueSatisfying(w -> assertThat(w.lanes()).isEqualTo(3));
                three.reset(); // the store opened with three lanes works
            }
        } finally {
            try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
                    var st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + pg.schema() + " CASCADE");
            } catch (java.sql.SQLException e) {
                throw new AssertionError(e);
            }
            try (var c = java.sql.DriverManager.getConnection("jdbc:mariadb://127.0.0.1:3306/?sslMode=disable", "root",
                    ""); var st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + my.db());
            } catch (java.sql.SQLException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void redisOpensTheRedisEngine() {
        Backends.require("Redis", Backends.REDIS_PORT);
        try (TransStore r = StoreFactory.open(Backends.redis("jf"))) {
            assertThat(r).isInstanceOf(RedisTransStore.class);
            assertThat(r.name()).isEqualTo("redis");
            r.ping();
        }
    }

    @Test
    void configMistakesNameTheKey() {
        StoreConfig bad = new StoreConfig("postgres", "127.0.0.1", 5432, "postgres", "", "test", "Bad-Schema", 1, 1,
                5, 1, 1, "{a}", "d", 0);
        assertThatThrownBy(() -> StoreFactory.open(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Store.Schema 'Bad-Schema'");
        StoreConfig cluster = new StoreConfig("redis", "h1:x,h2:2", 6379, "", "", "dtm", "public", 1, 1, 5, 1, 1,
                "{a}", "d", 0);
        assertThatThrownBy(() -> StoreFactory.open(cluster)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Store.Host entry 'h1:x'");
    }
}
