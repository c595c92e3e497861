package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Programming errors fail fast with an {@link IllegalArgumentException} that names the problem. */
class MisuseTest {

    private final DtmClient dtm = DtmClient.builder().serverUrl("http://127.0.0.1:1/api/dtmsvr").build();

    @AfterEach
    void close() {
        dtm.close();
    }

    /** Jackson cannot serialise an object with no properties. */
    static final class Opaque {
        @SuppressWarnings("unused")
        private final int hidden = 1;
    }

    @Test
    void nullOrEmptyGid() {
        assertThatThrownBy(() -> dtm.saga(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gid").hasMessageContaining("null");
        assertThatThrownBy(() -> dtm.msg("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gid").hasMessageContaining("empty");
        assertThatThrownBy(() -> dtm.tcc(null, t -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gid");
        assertThatThrownBy(() -> dtm.xa(" ", x -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gid");
        assertThatThrownBy(() -> dtm.query(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gid");
    }

    @Test
    void emptyRequiredUrls() {
        assertThatThrownBy(() -> dtm.saga("g").add("", "http://c", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("saga action URL of step 0");
        assertThatThrownBy(() -> dtm.saga("g").add("http://a", null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("compensate");
        assertThatThrownBy(() -> dtm.msg("g").add(null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("msg action URL");
        assertThatThrownBy(() -> dtm.msg("g").add("http://a", Map.of()).prepare(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("QueryPrepared URL");
        Tcc tcc = dtm.tccFromQuery(Map.of("dtm", "http://127.0.0.1:1/api/dtmsvr", "gid", "g", "branch_id", "01"));
        assertThatThrownBy(() -> tcc.callBranch(Map.of(), "", "http://c", "http://x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("try URL");
        assertThatThrownBy(() -> dtm.tccFromQuery(Map.of("gid", "g")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dtm");
        assertThatThrownBy(() -> DtmClient.builder().serverUrl("localhost:36789"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serverUrl");
    }

    @Test
    void unserialisablePayload() {
        assertThatThrownBy(() -> dtm.saga("g").add("http://a", "http://c", new Opaque()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payload of saga step 0").hasMessageContaining(Opaque.class.getName());
        assertThatThrownBy(() -> dtm.msg("g").add("http://a", new Opaque()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be serialized");
    }

    @Test
    void barrierNeedsAllFourParameters() {
        assertThatThrownBy(() -> BranchBarrier.fromQuery(Map.of("gid", "g", "trans_type", "saga", "op", "action")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("branch_id");
        assertThatThrownBy(() -> BranchBarrier.of("saga", "g", "01", "action").withTable("x; drop table y"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("barrier table");
    }

    @Test
    void badOptions() {
        assertThatThrownBy(() -> TransactionOptions.builder().retryLimit(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryLimit");
        assertThatThrownBy(() -> TransactionOptions.builder().timeoutToFail(java.time.Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeoutToFail");
        assertThatThrownBy(() -> dtm.saga("g").addBranchOrder(1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step 1");
    }
}
