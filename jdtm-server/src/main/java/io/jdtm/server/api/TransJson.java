package io.jdtm.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jdtm.protocol.Times;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Renders stored rows as DTM's JSON (spec §3.9): snake_case keys, empty optional fields omitted, times in RFC 3339
 * with the configured zone's offset, {@code bin_data} as standard base64, option fields flattened at top level.
 */
final class TransJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final ZoneId zone;

    TransJson(ZoneId zone) {
        this.zone = zone;
    }

    ObjectNode global(TransGlobal g) {
        ObjectNode n = F.objectNode();
        n.put("id", g.id());
        time(n, "create_time", g.createTime(), true);
        time(n, "update_time", g.updateTime(), true);
        n.put("gid", g.gid());
        n.put("trans_type", g.transType().wire());
        n.put("status", g.status().wire());
        str(n, "query_prepared", g.queryPrepared());
        str(n, "protocol", g.protocol());
        time(n, "finish_time", g.finishTime(), false);
        time(n, "rollback_time", g.rollbackTime(), false);
        str(n, "result", g.result());
        str(n, "rollback_reason", g.rollbackReason());
        n.put("options", g.options().toJson());
        str(n, "custom_data", g.customData());
        if (g.nextCronInterval() != 0) {
            n.put("next_cron_interval", g.nextCronInterval());
        }
        time(n, "next_cron_time", g.nextCronTime(), false);
        str(n, "owner", g.owner());
        str(n, "ext_data", g.extData());
        g.options().writeTo(n, true);
        return n;
    }

    ObjectNode branch(TransBranch b) {
        ObjectNode n = F.objectNode();
        n.put("id", b.id());
        time(n, "create_time", b.createTime(), true);
        time(n, "update_time", b.updateTime(), true);
        n.put("gid", b.gid());
        str(n, "url", b.url());
        if (b.binData().length > 0) {
            n.put("bin_data", b.binData()); // Jackson writes byte[] as standard base64
        }
        n.put("branch_id", b.branchId());
        n.put("op", b.op());
        n.put("status", b.status().wire());
        time(n, "finish_time", b.finishTime(), false);
        time(n, "rollback_time", b.rollbackTime(), false);
        return n;
    }

    ArrayNode branches(List<TransBranch> list) {
        ArrayNode a = F.arrayNode();
        list.forEach(b -> a.add(branch(b)));
        return a;
    }

    ObjectNode kv(KvRow r) {
        ObjectNode n = F.objectNode();
        n.put("id", r.id());
        time(n, "create_time", r.createTime(), true);
        time(n, "update_time", r.updateTime(), true);
        n.put("cat", r.cat());
        n.put("k", r.k());
        n.put("v", r.v());
        n.put("version", r.version());
        return n;
    }

    private void time(ObjectNode n, String key, Instant t, boolean nullIfAbsent) {
        if (t != null) {
            n.put(key, Times.format(t, zone));
        } else if (nullIfAbsent) {
            n.putNull(key);
        }
    }

    private static void str(ObjectNode n, String key, String v) {
        if (v != null && !v.isEmpty()) {
            n.put(key, v);
        }
    }

    /**
     * One attempt of the attempt history (jdtm, not DTM): times both as RFC 3339 with milliseconds in the
     * configured zone and as epoch milliseconds.
     */
    ObjectNode attempt(Attempt a) {
        ObjectNode n = F.objectNode();
        n.put("branch_id", a.branchId());
        n.put("op", a.op());
        n.put("attempt", a.attempt());
        n.put("start_time", millisTime(a.start()));
        n.put("start_ms", a.start().toEpochMilli());
        n.put("latency_ms", a.latencyMillis());
        n.put("outcome", a.outcome().name());
        n.put("code", a.code());
        n.put("answer", a.answer());
        if (a.nextTry() != null) {
            n.put("next_try_time", millisTime(a.nextTry()));
            n.put("next_try_ms", a.nextTry().toEpochMilli());
            n.put("interval_s", a.intervalSeconds());
        }
        return n;
    }

    private String millisTime(Instant t) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME
                .format(t.truncatedTo(ChronoUnit.MILLIS).atZone(zone).toOffsetDateTime());
    }
}
