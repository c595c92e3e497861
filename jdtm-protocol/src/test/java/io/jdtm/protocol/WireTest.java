package io.jdtm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireTest {

    @Test
    void httpAnswersAreClassifiedLikeDtmServer() {
        assertThat(Outcome.ofHttp(200, "")).isEqualTo(Outcome.SUCCESS);
        assertThat(Outcome.ofHttp(200, "{\"dtm_result\":\"SUCCESS\"}")).isEqualTo(Outcome.SUCCESS);
        assertThat(Outcome.ofHttp(409, "")).isEqualTo(Outcome.FAILURE);
        assertThat(Outcome.ofHttp(425, "")).isEqualTo(Outcome.ONGOING);
        // the body wins over the status code, ONGOING before FAILURE
        assertThat(Outcome.ofHttp(200, "{\"dtm_result\":\"FAILURE\"}")).isEqualTo(Outcome.FAILURE);
        assertThat(Outcome.ofHttp(500, "x FAILURE")).isEqualTo(Outcome.FAILURE);
        assertThat(Outcome.ofHttp(409, "ONGOING")).isEqualTo(Outcome.ONGOING);
        assertThat(Outcome.ofHttp(500, "oops")).isEqualTo(Outcome.ERROR);
        assertThat(Outcome.ofHttp(404, "failure")).isEqualTo(Outcome.ERROR); // case-sensitive
    }

    @Test
    void requestDecodesCaseInsensitivelyAndIgnoresUnknownKeys() throws Exception {
        String body = "{\"Gid\":\"g1\",\"TRANS_TYPE\":\"saga\",\"unknown\":[1,2],\"steps\":[{\"action\":\"http://a\","
                + "\"compensate\":\"http://c\"}],\"payloads\":[\"{}\"],\"wait_result\":true,\"retry_interval\":15,"
                + "\"branch_headers\":{\"X-A\":\"1\"}}";
        TransRequest r = DtmJson.mapper().readValue(body, TransRequest.class);
        assertThat(r.gid()).isEqualTo("g1");
        assertThat(r.transType()).isEqualTo("saga");
        assertThat(r.stepsOrEmpty()).containsExactly(Map.of("action", "http://a", "compensate", "http://c"));
        assertThat(r.options().waitResult()).isTrue();
        assertThat(r.options().retryInterval()).isEqualTo(15);
        assertThat(r.options().branchHeaders()).containsEntry("X-A", "1");
    }

    @Test
    void optionsColumnMatchesGoEncoding() {
        TransOptions o = new TransOptions(false, 0, 0, 150, Map.of(), false, 0, 0);
        assertThat(o.toJson()).isEqualTo("{\"retry_interval\":150,\"concurrent\":false}");
        assertThat(TransOptions.fromJson(o.toJson())).isEqualTo(o);
        assertThat(TransOptions.fromJson("")).isEqualTo(TransOptions.NONE);
        TransOptions full = new TransOptions(true, 3, 6, 15, Map.of("h", "v"), true, 2, 1);
        assertThat(TransOptions.fromJson(full.toJson())).isEqualTo(full);
    }

    @Test
    void timesUseRfc3339WithOffset() {
        Instant t = Instant.parse("2024-05-01T02:00:00Z");
        assertThat(Times.format(t, ZoneOffset.UTC)).isEqualTo("2024-05-01T02:00:00Z");
        assertThat(Times.format(t, ZoneId.of("Asia/Shanghai"))).isEqualTo("2024-05-01T10:00:00+08:00");
        assertThat(Times.format(Instant.parse("2024-05-01T02:00:00.120Z"), ZoneOffset.UTC))
                .isEqualTo("2024-05-01T02:00:00.12Z");
        assertThat(Times.parse("2024-05-01T10:00:00+08:00")).isEqualTo(t);
    }

    @Test
    void statusesParseOnlyDtmSpelling() {
        assertThat(TransStatus.parse("succeed")).isEqualTo(TransStatus.SUCCEED);
        assertThatThrownBy(() -> TransStatus.parse("success")).hasMessageContaining("'success'");
        assertThat(TransType.find("Saga")).isEmpty();
    }
}
