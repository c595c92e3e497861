package io.jdtm.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.client.DtmClient;
import io.jdtm.client.TransInfo;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.JdtmServer;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Backends;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The example application as it runs, against the real jdtm server (in-process) and a real database (subclasses
 * choose it; a missing one skips, or fails under {@code CI=true}): both transfer modes commit, a refusing branch rolls
 * everything back, the barrier absorbs repeats and null compensations, and a branch whose business fails after the
 * barrier insert leaves neither the row nor the write behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TransferApplicationTest {

    private JdtmServer tm;
    private ConfigurableApplicationContext app;
    private Transfers transfers;
    private Bank bank;
    private DtmClient dtm;
    private JdbcTemplate jdbc;
    private String schema;
    private String busi;
    private final HttpClient http = HttpClient.newHttpClient();

    abstract boolean postgres();

    @BeforeAll
    void start() throws IOException {
        Backends.require(postgres() ? "PostgreSQL" : "MariaDB", postgres() ? 5432 : 3306);
        StoreConfig store = StoreConfig.defaults().withDataDir(Files.createTempDirectory("jdtm-spring-ex").toString());
        tm = JdtmServer.builder().store(store).httpPort(0).grpcPort(0).host("127.0.0.1").poller(false).start();
        schema = "jdtm_spring_ex_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        // command-line arguments: they win over the application's application.properties
        app = new SpringApplicationBuilder(TransferApplication.class).run(
                "--server.port=0",
                "--jdtm.server-url=" + tm.dtmUrl(),
                "--spring.datasource.url=" + (postgres() ? "jdbc:postgresql://127.0.0.1:5432/test"
                        : "jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable"),
                "--spring.datasource.username=" + (postgres() ? "postgres" : "root"),
                "--bank.schema=" + schema,
                "--jdtm.barrier.table=" + schema + "_barrier.barrier");
        transfers = app.getBean(Transfers.class);
        bank = app.getBean(Bank.class);
        dtm = app.getBean(DtmClient.class);
        jdbc = app.getBean(JdbcTemplate.class);
        busi = "http://localhost:" + app.getEnvironment().getProperty("local.server.port") + "/api/busi";
    }

    @AfterAll
    void stop() {
        if (app != null) {
            for (String s : List.of(schema, schema + "_barrier")) {
                try {
                    jdbc.execute(postgres() ? "drop schema if exists " + s + " cascade" : "drop database if exists " + s);
                } catch (RuntimeException ignored) {
                    // best effort: the names are unique per run
                }
            }
            app.close();
        }
        if (tm != null) {
            tm.close();
        }
        http.close();
    }

    @BeforeEach
    void resetBalances() {
        app.getBean(BankSchema.class).reset();
    }

    private TransStatus status(String gid) {
        return dtm.query(gid).map(TransInfo::status).orElseThrow();
    }

    private int barrierRows(String gid) {
        return jdbc.queryForObject("select count(*) from " + schema + "_barrier.barrier where gid = ?", Integer.class,
                gid);
    }

    /** Rows of TransOut's op {@code action} written by a call of {@code reason} (the op that inserted it). */
    private int actionRows(String gid, String reason) {
        return jdbc.queryForObject("select count(*) from " + schema + "_barrier.barrier where gid = ? and "
                + "branch_id = '01' and op = 'action' and reason = ?", Integer.class, gid, reason);
    }

    @Test
    void sagaTransferCommits() {
        Transfers.Outcome o = transfers.saga(30, false);

        assertThat(o.committed()).isTrue();
        assertThat(status(o.gid())).isEqualTo(TransStatus.SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(barrierRows(o.gid())).as("one row per action").isEqualTo(2);
    }

    @Test
    void sagaWithARefusingBranchRollsBack() {
        Transfers.Outcome o = transfers.saga(30, true);

        assertThat(o.committed()).isFalse();
        assertThat(o.reason()).contains("TransIn refused");
        assertThat(status(o.gid())).isEqualTo(TransStatus.FAILED);
        // TransOut was compensated; TransIn's compensation found no action (it rolled back) and did nothing
        assertThat(bank.balances()).containsExactly(100, 100);
    }

    @Test
    void tccTransferCommits() {
        Transfers.Outcome o = transfers.tcc(30, false);

        assertThat(o.committed()).isTrue();
        assertThat(status(o.gid())).isEqualTo(TransStatus.SUCCEED);
        assertThat(bank.balances()).containsExactly(70, 130);
        assertThat(bank.frozen()).containsExactly(0, 0);
    }

    @Test
    void tccWithARefusingTryCancels() {
        Transfers.Outcome o = transfers.tcc(30, true);

        assertThat(o.committed()).isFalse();
        assertThat(status(o.gid())).isEqualTo(TransStatus.FAILED);
        assertThat(bank.balances()).containsExactly(100, 100);
        assertThat(bank.frozen()).containsExactly(0, 0);
    }

    @Test
    void businessFailingAfterTheBarrierInsertLeavesNeitherBehind() {
        // TransOut of more than the balance: the barrier row is inserted, then the update refuses (FAILURE) and the
        // transaction rolls back. Had the row stayed, TransOutCompensate would have run and credited 1000.
        Transfers.Outcome o = transfers.saga(1000, false);

        assertThat(o.committed()).isFalse();
        assertThat(o.reason()).contains("insufficient balance of user 1");
        assertThat(bank.balances()).containsExactly(100, 100);
        assertThat(actionRows(o.gid(), "action")).as("the failed action's own row rolled back").isZero();
        assertThat(actionRows(o.gid(), "compensate")).as("the row the compensation wrote to block it").isEqualTo(1);
    }

    @Test
    void repeatedCallAndNullCompensationAreAbsorbed() throws Exception {
        String gid = "spring-ex-" + UUID.randomUUID();
        String body = "{\"amount\":10}";

        // a compensation arriving first (its action lost on the way) is a no-op, and blocks the late action
        assertThat(post("/TransOutCompensate", gid, "compensate", body).statusCode()).isEqualTo(200);
        assertThat(post("/TransOut", gid, "action", body).statusCode()).isEqualTo(200);
        assertThat(bank.balances()).containsExactly(100, 100);

        // a repeated action moves the money once
        String gid2 = "spring-ex-" + UUID.randomUUID();
        assertThat(post("/TransIn", gid2, "action", body).statusCode()).isEqualTo(200);
        assertThat(post("/TransIn", gid2, "action", body).statusCode()).isEqualTo(200);
        assertThat(bank.balances()).containsExactly(100, 110);
    }

    @Test
    void aRefusalIsAnsweredWithDtmsFailure() throws Exception {
        HttpResponse<String> r = post("/TransIn", "spring-ex-" + UUID.randomUUID(), "action",
                "{\"amount\":10,\"trans_in_result\":\"FAILURE\"}");

        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("\"dtm_result\":\"FAILURE\"");
    }

    private HttpResponse<String> post(String path, String gid, String op, String body) throws Exception {
        URI uri = URI.create(busi + path + "?gid=" + gid + "&trans_type=saga&branch_id=01&op=" + op);
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
