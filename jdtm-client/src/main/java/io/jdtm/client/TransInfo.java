package io.jdtm.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.Times;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of one global transaction as the TM's {@code GET /query?gid=} reports it (spec §3.9): its status, why it
 * rolled back, and every stored branch row in storage order. Immutable and thread-safe; absent strings are {@code ""}.
 *
 * @param gid the global id
 * @param transType {@code saga}, {@code msg}, {@code tcc}, {@code xa} or {@code workflow}
 * @param status the global status
 * @param rollbackReason why it rolled back, {@code ""} when it did not
 * @param result workflow result (base64, as stored), {@code ""} otherwise
 * @param customData the stored {@code custom_data} text
 * @param createTime when the TM created it, if it reported the time
 * @param branches the branch rows, in the order the TM stored them (saga: compensate before action)
 */
public record TransInfo(
        String gid,
        String transType,
        TransStatus status,
        String rollbackReason,
        String result,
        String customData,
        Optional<Instant> createTime,
        List<Branch> branches) {

    public TransInfo {
        branches = List.copyOf(branches);
    }

    /**
     * One stored branch row: a (branch_id, op) pair.
     *
     * @param branchId e.g. {@code 01}, {@code 01-02} (msg topic subscriber), {@code 0201} (nested TCC)
     * @param op {@code action}, {@code compensate}, {@code confirm}, {@code cancel}, {@code commit}, {@code rollback}…
     * @param status the branch status
     * @param url the URL the TM calls, {@code ""} for workflow rows
     * @param data the stored payload ({@code bin_data}, decoded as UTF-8)
     */
    public record Branch(String branchId, String op, BranchStatus status, String url, String data) {}

    /** The branch statuses in storage order, the shape DTM's own tests assert on. */
    public List<BranchStatus> branchStatuses() {
        return branches.stream().map(Branch::status).toList();
    }

    /** Decodes the {@code /query} answer; empty when the TM knows no such gid ({@code "transaction": null}). */
    static Optional<TransInfo> fromQuery(JsonNode n) {
        JsonNode t = n.path("transaction");
        if (t.isMissingNode() || t.isNull()) {
            return Optional.empty();
        }
        List<Branch> branches = new ArrayList<>();
        for (JsonNode b : n.path("branches")) {
            branches.add(new Branch(
                    b.path("branch_id").asText(""),
                    b.path("op").asText(""),
                    BranchStatus.parse(b.path("status").asText("")),
                    b.path("url").asText(""),
                    decode(b.path("bin_data").asText(""))));
        }
        String created = t.path("create_time").asText("");
        Optional<Instant> createTime;
        try {
            createTime = created.isEmpty() ? Optional.empty() : Optional.of(Times.parse(created));
        } catch (RuntimeException e) {
            createTime = Optional.empty();
        }
        return Optional.of(new TransInfo(
                t.path("gid").asText(""),
                t.path("trans_type").asText(""),
                TransStatus.parse(t.path("status").asText("")),
                t.path("rollback_reason").asText(""),
                t.path("result").asText(""),
                t.path("custom_data").asText(""),
                createTime,
                branches));
    }

    private static String decode(String base64) {
        if (base64.isEmpty()) {
            return "";
        }
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return base64;
        }
    }
}
