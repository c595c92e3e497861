package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import io.jdtm.server.branch.DestinationPolicy;
import io.jdtm.server.config.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BranchSafetyScenarioTest} for gRPC: transactions and branches registered over DTM's gRPC API, and gRPC
 * branches whose dial target resolves to a denied address. Loopback is denied
 * ({@code BranchPolicy.DenyCidrs: 127.0.0.0/8, ::1}); the fake gRPC RM's targets are {@code localhost:<port>}.
 */
class BranchSafetyGrpcScenarioTest extends GrpcScenarioBase {
    private ManagedChannel channel;
    private DtmGrpc.DtmBlockingStub dtm;

    @Override
    protected ServerConfig config() {
        return super.config().with("BranchPolicy.DenyCidrs", "127.0.0.0/8, ::1");
    }

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        dtm = DtmGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static String invalidArgument(ThrowingCallable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
        assertThat(e).as("the call was refused").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return e.getStatus().getDescription();
    }

    private DtmRequest.Builder grpcSagaRequest(String gid, String action, String compensate) {
        return DtmRequest.newBuilder().setGid(gid).setTransType("saga")
                .setSteps(DtmJson.write(List.of(Map.of("action", g("TransOut"), "compensate", g("TransOutRevert")),
                        Map.of("action", action, "compensate", compensate))))
                .addBinPayloads(ByteString.copyFromUtf8("{}")).addBinPayloads(ByteString.copyFromUtf8("{}"));
    }

    @Test
    void submitOverGrpcRefusesABadTargetNamingTheStep() {
        String gid = gid();

        String scheme = invalidArgument(() -> dtm.submit(grpcSagaRequest(gid, "consul://busi/busi.Busi/TransIn",
                "").build()));
        String noPort = invalidArgument(() -> dtm.submit(grpcSagaRequest(gid, "", "busi-svc/busi.Busi/TransInRevert")
                .build()));
        String literal = invalidArgument(() -> dtm.submit(grpcSagaRequest(gid, "127.0.0.1:50051/busi.Busi/TransIn",
                "").build()));
        String header = invalidArgument(() -> dtm.submit(grpcSagaRequest(gid, "", "")
                .setTransOptions(DtmTransOptions.newBuilder().putBranchHeaders("grpc-timeout", "1S")).build()));

        assertThat(scheme).startsWith("steps[1].action: 'consul://busi/busi.Busi/TransIn' has scheme 'consul'")
                .contains("service-discovery driver");
        assertThat(noPort).isEqualTo("steps[1].compensate: 'busi-svc/busi.Busi/TransInRevert' has no port in its"
                + " dial target 'busi-svc' (expected host:port/package.Service/Method)");
        assertThat(literal).isEqualTo("steps[1].action: '127.0.0.1:50051/busi.Busi/TransIn' is "
                + DestinationPolicy.REFUSED + "127.0.0.1 is in 127.0.0.0/8 of BranchPolicy.DenyCidrs");
        assertThat(header).startsWith("branch_headers: header name 'grpc-timeout' is not a gRPC metadata key");
        assertThat(query(gid).path("transaction").isNull()).isTrue();
    }

    @Test
    void registerBranchOverGrpcRefusesABadUrl() {
        String gid = gid();
        dtm.prepare(DtmRequest.newBuilder().setGid(gid).setTransType("tcc").build());

        String confirm = invalidArgument(() -> dtm.registerBranch(DtmBranchRequest.newBuilder().setGid(gid)
                .setTransType("tcc").setBranchID("01").putData("confirm", "localhost:1/busi.Busi/Confirm\r\nx")
                .putData("cancel", g("TransOutCancel")).build()));
        String xa = invalidArgument(() -> dtm.registerBranch(DtmBranchRequest.newBuilder().setGid(gid)
                .setTransType("xa").setBranchID("02").putData("url", "[fd00:ec2::254]:80/busi.Busi/Xa").build()));

        assertThat(confirm).startsWith("confirm: 'localhost:1/busi.Busi/Confirm\\r\\nx' has control character"
                + " U+000D at position 29");
        assertThat(xa).isEqualTo("url: '[fd00:ec2::254]:80/busi.Busi/Xa' is " + DestinationPolicy.REFUSED
                + "fd00:ec2::254 is a cloud metadata or link-local address (fd00:ec2::254/128; set"
                + " BranchPolicy.AllowMetadata to allow it)");
        assertThat(query(gid).path("branches")).isEmpty();
    }

    @Test
    void aGrpcBranchWhoseTargetResolvesToADeniedAddressRetriesNamingThePolicy() {
        String gid = gid();
        DtmHttp.Res r = submit(grpcTransferSaga(gid)); // localhost:<port>/busi.Busi/… : loopback is denied

        assertThat(r.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> !reason(gid).isEmpty());
        assertThat(reason(gid)).startsWith(DestinationPolicy.REFUSED + "localhost resolves to ")
                .contains("of BranchPolicy.DenyCidrs");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> cron(3600) == 1);

        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(branchStatuses(gid)).containsOnly("prepared");
        assertThat(grpcRm.calls()).isEmpty();
    }

    private String reason(String gid) {
        return query(gid).path("transaction").path("rollback_reason").asText("");
    }
}
