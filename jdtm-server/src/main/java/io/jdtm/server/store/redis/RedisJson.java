package io.jdtm.server.store.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * The JSON of the Redis values: DTM's snake_case row fields (spec §3.9), times as RFC 3339 in UTC with the
 * instant's full precision, {@code bin_data} as standard base64, absent times omitted. The Lua scripts edit some
 * fields in place (status, times, owner), so the field names here and in {@link RedisScripts} must agree.
 */
final class RedisJson {
    private static final ObjectMapper M = new ObjectMapper();

    private RedisJson() {}

    static String global(TransGlobal g) {
        ObjectNode n = M.createObjectNode();
        n.put("id", g.id());
        n.put("gid", g.gid());
        n.put("trans_type", g.transType().wire());
        n.put("status", g.status().wire());
        n.put("query_prepared", g.queryPrepared());
        n.put("protocol", g.protocol());
        time(n, "create_time", g.createTime());
        time(n, "update_time", g.updateTime());
        time(n, "finish_time", g.finishTime());
        time(n, "rollback_time", g.rollbackTime());
        n.put("result", g.result());
        n.put("rollback_reason", g.rollbackReason());
        n.put("options", g.options().toJson());
        n.put("custom_data", g.customData());
        n.put("next_cron_interval", g.nextCronInterval());
        time(n, "next_cron_time", g.nextCronTime());
        n.put("owner", g.owner());
        n.put("ext_data", g.extData());
        return write(n);
    }

    static TransGlobal global(String json) {
        JsonNode n = read(json);
        String type = text(n, "trans_type");
        String options = text(n, "options");
        return new TransGlobal(
                n.path("id").asLong(),
                text(n, "gid"),
                TransType.find(type).orElseThrow(() -> new StoreException("unknown trans_type in redis: " + type)),
                TransStatus.parse(text(n, "status")),
                text(n, "query_prepared"),
                text(n, "protocol"),
                time(n, "create_time"),
                time(n, "update_time"),
                time(n, "finish_time"),
                time(n, "rollback_time"),
                text(n, "result"),
                text(n, "rollback_reason"),
                options.isBlank() ? TransOptions.NONE : TransOptions.fromJson(options),
                text(n, "custom_data"),
                n.path("next_cron_interval").asLong(),
                time(n, "next_cron_time"),
                text(n, "owner"),
                text(n, "ext_data"));
    }

    static String branch(TransBranch b) {
        ObjectNode n = M.createObjectNode();
        n.put("id", b.id());
        n.put("gid", b.gid());
        n.put("url", b.url());
        n.put("bin_data", Base64.getEncoder().encodeToString(b.binData()));
        n.put("branch_id", b.branchId());
        n.put("op", b.op());
        n.put("status", b.status().wire());
        time(n, "create_time", b.createTime());
        time(n, "update_time", b.updateTime());
        time(n, "finish_time", b.finishTime());
        time(n, "rollback_time", b.rollbackTime());
        return write(n);
    }

    static TransBranch branch(String json) {
        JsonNode n = read(json);
        String data = text(n, "bin_data");
        return new TransBranch(
                n.path("id").asLong(),
                text(n, "gid"),
                text(n, "url"),
                data.isEmpty() ? new byte[0] : Base64.getDecoder().decode(data),
                text(n, "branch_id"),
                text(n, "op"),
                BranchStatus.parse(text(n, "status")),
                time(n, "create_time"),
                time(n, "update_time"),
                time(n, "finish_time"),
                time(n, "rollback_time"));
    }

    static String kv(String cat, String key, String value, Instant now) {
        ObjectNode n = M.createObjectNode();
        n.put("id", 0);
        n.put("cat", cat);
        n.put("k", key);
        n.put("v", value);
        n.put("version", 1);
        time(n, "create_time", now);
        time(n, "update_time", now);
        return write(n);
    }

    static KvRow kv(String json) {
        JsonNode n = read(json);
        return new KvRow(n.path("id").asLong(), text(n, "cat"), text(n, "k"), n.path("v").asText(null),
                n.path("version").asLong(1), time(n, "create_time"), time(n, "update_time"));
    }

    /** A time as a JSON string value, or "" for none (the scripts then remove the field). */
    static String time(Instant t) {
        return t == null ? "" : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    /** A sorted-set score for a time: unix seconds with milliseconds as the fraction (DTM scores in seconds). */
    static String score(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli(), 3).toPlainString();
    }

    private static void time(ObjectNode n, String field, Instant t) {
        if (t != null) {
            n.put(field, time(t));
        }
    }

    private static Instant time(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || v.asText().isEmpty()) {
            return null;
        }
        return OffsetDateTime.parse(v.asText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    private static String write(ObjectNode n) {
        try {
            return M.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot encode a redis value: " + e.getMessage(), e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return M.readTree(json);
        } catch (JsonProcessingException e) {
            throw new StoreException("a redis value is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The prefix of an attempt's JSON as written; the record script puts the number it counted in place of 0. */
    static final String ATTEMPT_HEAD = "{\"attempt\":0,";

    /** An attempt's JSON, starting with {@link #ATTEMPT_HEAD}; times in epoch milliseconds. */
    static String attempt(Attempt a) {
        ObjectNode n = M.createObjectNode();
        n.put("attempt", 0);
        n.put("gid", a.gid());
        n.put("branch_id", a.branchId());
        n.put("op", a.op());
        n.put("start_ms", a.start().toEpochMilli());
        n.put("latency_ms", a.latencyMillis());
        n.put("outcome", a.outcome().name());
        n.put("code", a.code());
        n.put("answer", a.answer());
        if (a.nextTry() != null) {
            n.put("next_try_ms", a.nextTry().toEpochMilli());
        }
        n.put("interval_s", a.intervalSeconds());
        return write(n);
    }

    static Attempt attempt(String json) {
        JsonNode n = read(json);
        JsonNode next = n.get("next_try_ms");
        return new Attempt(text(n, "gid"), text(n, "branch_id"), text(n, "op"),
                n.path("attempt").asInt(), Instant.ofEpochMilli(n.path("start_ms").asLong()),
                n.path("latency_ms").asLong(), Outcome.valueOf(text(n, "outcome")), text(n, "code"),
                text(n, "answer"), next == null || next.isNull() ? null : Instant.ofEpochMilli(next.asLong()),
                n.path("interval_s").asLong());
    }
}
