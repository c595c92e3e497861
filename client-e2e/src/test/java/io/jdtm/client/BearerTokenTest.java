package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jdtm.client.testing.RecordingServer;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.testing.JdtmTestServer;
import io.jdtm.server.config.AuthConfig;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link DtmClient.Builder#bearerToken} against a real jdtm server with {@code Auth.Tokens} set, over HTTP and gRPC:
 * the token reaches the TM and nobody else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BearerTokenTest {
    private static final String TOKEN = "sdk-test-token-0123456789";
    private static final Map<String, Integer> AMOUNT = Map.of("amount", 30);

    private JdtmTestServer tm;
    private RecordingServer rm;

    @BeforeAll
    void start() {
        tm = JdtmTestServer.builder().config(ServerConfig.defaults().withAuth(new AuthConfig(TOKEN, "", "token"))).start();
        rm = new RecordingServer();
    }

    @AfterAll
    void stop() {
        tm.close();
        rm.close();
    }

    @Test
    void overHttpTheTokenOpensTheTmAndNeverReachesTheRm() {
        try (DtmClient dtm = DtmClient.builder().serverUrl(tm.dtmUrl()).bearerToken(TOKEN).build()) {
            String gid = dtm.newGid();
            dtm.saga(gid).add(rm.url() + "/TransOut", rm.url() + "/TransOutRevert", AMOUNT).waitResult(true).submit();

            assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.SUCCEED);
            assertThat(rm.requests()).filteredOn(r -> gid.equals(r.query().get("gid"))).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.header("Authorization")).isNull());
        }
    }

    @Test
    void overGrpcTheTokenTravelsAsMetadata() {
        try (DtmClient dtm = DtmClient.builder().grpcTarget(tm.grpcTarget()).serverUrl(tm.dtmUrl())
                .bearerToken(TOKEN).build()) {
            String gid = dtm.newGid();
            dtm.saga(gid).add(rm.url() + "/TransOut", rm.url() + "/TransOutRevert", AMOUNT).waitResult(true).submit();

            assertThat(dtm.query(gid).orElseThrow().status()).isEqualTo(TransStatus.SUCCEED);
        }
    }

    @Test
    void withoutTheTokenTheTmRefusesAndSaysWhy() {
        try (DtmClient http = DtmClient.builder().serverUrl(tm.dtmUrl()).build();
                DtmClient grpc = DtmClient.builder().grpcTarget(tm.grpcTarget()).build()) {
            DtmUnknownException overHttp = catchThrowableOfType(DtmUnknownException.class, http::newGid);
            DtmException overGrpc = catchThrowableOfType(DtmException.class, grpc::newGid);

            assertThat(overHttp).hasMessageContaining("401").hasMessageContaining("needs a bearer token");
            assertThat(overGrpc).hasMessageContaining("UNAUTHENTICATED").hasMessageContaining("needs a bearer token");
        }
    }

    @Test
    void anotherTmAddressGivenToAnRmHandlerDoesNotGetTheToken() {
        try (RecordingServer otherTm = new RecordingServer();
                DtmClient dtm = DtmClient.builder().serverUrl(tm.dtmUrl()).bearerToken(TOKEN).build()) {
            Tcc nested = dtm.tccFromQuery(Map.of("dtm", otherTm.url() + "/api/dtmsvr", "gid", "g-other",
                    "branch_id", "01"));

            nested.callBranch(AMOUNT, rm.url() + "/TransOutTry", rm.url() + "/TransOutConfirm",
                    rm.url() + "/TransOutCancel");

            assertThat(otherTm.requests()).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.header("Authorization")).isNull());
        }
    }

    @Test
    void aTokenThatCannotBeAHeaderIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> DtmClient.builder().bearerToken("abc\r\nX-Evil: 1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("abc");
        assertThatThrownBy(() -> DtmClient.builder().bearerToken(""))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
