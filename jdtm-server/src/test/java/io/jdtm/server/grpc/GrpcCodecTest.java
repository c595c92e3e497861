package io.jdtm.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgressesReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.trans.DtmException;
import io.jdtm.server.trans.TransService;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding DTM's gRPC messages (spec §4.3, §8) without a socket; the wire itself is GrpcApiScenarioTest's. */
class GrpcCodecTest {
    private static final byte[] NOT_UTF8 = {(byte) 0xff, (byte) 0xfe, 0x00};

    @Test
    void requestMapsEveryFieldAndForcesGrpc() {
        DtmRequest r = DtmRequest.newBuilder().setGid("g1").setTransType("saga")
                .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true).setTimeoutToFail(60)
                        .setRetryInterval(15).putBranchHeaders("X-A", "1").setRequestTimeout(4).setRetryLimit(2))
                .setCustomedData("{\"concurrent\":true}").setQueryPrepared("localhost:1/q")
                .setSteps("[{\"action\":\"http://a\",\"compensate\":\"http://c\"}]")
                .putReqExtra("status", "succeed").setRollbackReason("why")
                .addBinPayloads(ByteString.copyFrom(NOT_UTF8)).build();
        TransRequest t = GrpcCodec.trans(r);
        assertThat(t.gid()).isEqualTo("g1");
        assertThat(t.transType()).isEqualTo("saga");
        assertThat(t.protocol()).isEqualTo("grpc");
        assertThat(t.customData()).isEqualTo("{\"concurrent\":true}");
        assertThat(t.queryPrepared()).isEqualTo("localhost:1/q");
        assertThat(t.stepsOrEmpty()).containsExactly(Map.of("action", "http://a", "compensate", "http://c"));
        assertThat(t.reqExtraOrEmpty()).containsExactly(Map.entry("status", "succeed"));
        assertThat(t.rollbackReason()).isEqualTo("why");
        assertThat(t.options()).isEqualTo(new TransOptions(true, 60, 4, 15, Map.of("X-A", "1"), false, 2, 0));
        assertThat(GrpcCodec.binPayloads(r)).singleElement().isEqualTo(NOT_UTF8);
    }

    @Test
    void absentOptionsAreZero() {
        TransRequest t = GrpcCodec.trans(DtmRequest.newBuilder().setGid("g").setTransType("tcc").build());
        assertThat(t.options()).isEqualTo(TransOptions.NONE);
        assertThat(t.stepsOrEmpty()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "  ", " null ", "[]"})
    void noSteps(String text) {
        assertThat(GrpcCodec.steps(text)).isEmpty();
    }

    @Test
    void stepsKeepEveryKeyAndNullsAsGoDoes() {
        assertThat(GrpcCodec.steps("[{\"action\":\"a\",\"compensate\":null},null]"))
                .containsExactly(Map.of("action", "a", "compensate", ""), Map.of());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            [{                               | Steps is not valid JSON
            [{"action":"a"}] x               | Steps is not valid JSON
            {"action":"a"}                   | Steps must be a JSON array of steps like [{"action":"...","compensate":"..."}], got a JSON object
            "x"                              | Steps must be a JSON array of steps like [{"action":"...","compensate":"..."}], got a JSON string
            ["a"]                            | Steps[0] must be a JSON object of strings, got a JSON string
            [{"action":"a"},{"action":5}]    | Steps[1].action must be a string, got a JSON number
            [{"action":{"u":"a"}}]           | Steps[0].action must be a string, got a JSON object
            """)
    void malformedStepsAreABadRequestNamingSteps(String text, String message) {
        assertThatThrownBy(() -> GrpcCodec.steps(text))
                .isInstanceOfSatisfying(DtmException.class, e -> assertThat(e.kind()).isEqualTo(DtmException.Kind.BAD_REQUEST))
                .hasMessageStartingWith(message)
                .hasMessageNotContaining("java.").hasMessageNotContaining("io.jdtm");
    }

    @Test
    void branchRequestIsTheHttpFlatMapWithTheMessageFieldsWinning() {
        DtmBranchRequest b = DtmBranchRequest.newBuilder().setGid("g1").setTransType("tcc").setBranchID("01")
                .setOp("try").putData("confirm", "http://c").putData("cancel", "http://x")
                .putData("gid", "other").setBusiPayload(ByteString.copyFrom(NOT_UTF8)).build();
        assertThat(GrpcCodec.branch(b)).containsOnly(Map.entry("gid", "g1"), Map.entry("trans_type", "tcc"),
                Map.entry("branch_id", "01"), Map.entry("confirm", "http://c"), Map.entry("cancel", "http://x"));
    }

    @Test
    void workflowReplyLeavesResultEmptyAsDtmDoes() {
        Instant now = Instant.now();
        TransGlobal g = new TransGlobal(1, "w1", TransType.WORKFLOW, TransStatus.SUCCEED, "", "grpc", now, now, now,
                null, "cmVzdWx0", "no reason", TransOptions.NONE, "", 10, now, "", "");
        TransBranch p = TransBranch.create("w1", "", NOT_UTF8, "01", "action", BranchStatus.SUCCEED, now);
        DtmProgressesReply r = GrpcCodec.progresses(new TransService.WorkflowState(g, List.of(p)));
        assertThat(r.getTransaction().getGid()).isEqualTo("w1");
        assertThat(r.getTransaction().getStatus()).isEqualTo("succeed");
        assertThat(r.getTransaction().getRollbackReason()).isEqualTo("no reason");
        assertThat(r.getTransaction().getResult()).isEmpty();
        assertThat(r.getProgressesList()).singleElement().satisfies(x -> {
            assertThat(x.getStatus()).isEqualTo("succeed");
            assertThat(x.getBinData().toByteArray()).isEqualTo(NOT_UTF8);
            assertThat(x.getBranchID()).isEqualTo("01");
            assertThat(x.getOp()).isEqualTo("action");
        });
    }
}
