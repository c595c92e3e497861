package io.jdtm.examples.fault;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.DtmJson;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The end of a run: waits (polling the TM with a deadline) until no stored transaction is unfinished, then checks
 * the TM's statuses against the bank's ledger, per transaction and in total:
 *
 * <ul>
 *   <li>every acknowledged gid is stored ({@link Violation.Kind#LOST}) and every stored one is final
 *       ({@link Violation.Kind#NOT_FINAL});
 *   <li>a {@code succeed} saga applied exactly its debit and its credit, nothing else
 *       ({@link Violation.Kind#SUCCEED_LEDGER});
 *   <li>a {@code failed} saga nets to zero on every account: each applied action was compensated
 *       ({@link Violation.Kind#FAILED_NOT_COMPENSATED});
 *   <li>no effect belongs to a gid the TM never stored ({@link Violation.Kind#EFFECT_WITHOUT_TRANSACTION});
 *   <li>the balances add up to the initial total ({@link Violation.Kind#MONEY_NOT_CONSERVED}) and each equals its
 *       initial balance plus its ledger rows ({@link Violation.Kind#LEDGER_MISMATCH}).
 * </ul>
 */
final class Checker {
    /** One broken promise, with what the TM, the ledger and the bank's call log say about it. */
    record Violation(Kind kind, String gid, String detail) {
        /** In the order a report lists them: lost and money first, unfinished last. */
        enum Kind {
            LOST, FAILED_NOT_COMPENSATED, SUCCEED_LEDGER, EFFECT_WITHOUT_TRANSACTION, MONEY_NOT_CONSERVED,
            LEDGER_MISMATCH, NOT_FINAL
        }
    }

    /** What the checks found. */
    record Verdict(Map<String, Integer> statuses, int stored, boolean drained, Duration drainTook,
            List<Violation> violations, Map<String, Integer> patterns, long balanceSum, long expectedSum) {}

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration RESET_EVERY = Duration.ofSeconds(30);

    private final Supplier<String> tm;
    private long pulledBack;

    /** {@code tm} gives the base URL of a live TM (any of them: they share the store). */
    Checker(Supplier<String> tm) {
        this.tm = tm;
    }

    /**
     * Polls until no transaction is submitted, aborting or prepared, or {@code deadline} passes; true if drained.
     * Every {@link #RESET_EVERY} it asks the TM to pull back transactions that backed off more than a few seconds
     * ({@code resetCronTime}, DTM's operator call after an outage): errors during the faults doubled their retry
     * interval, and without it a drain would wait for backoff, not for the TM.
     */
    boolean awaitFinal(Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        long nextReset = System.nanoTime();
        while (true) {
            if (System.nanoTime() - nextReset >= 0) {
                pullBack();
                nextReset = System.nanoTime() + RESET_EVERY.toNanos();
            }
            boolean any = false;
            for (String s : List.of("submitted", "aborting", "prepared")) {
                JsonNode page = get("/api/dtmsvr/all?limit=1&status=" + s);
                if (page == null || page.path("transactions").isArray()) {
                    any = true; // unknown (a TM answer lost) counts as not finished yet
                }
            }
            if (!any) {
                return true;
            }
            if (System.nanoTime() - end >= 0) {
                return false;
            }
            Thread.sleep(1000); // poll interval of the deadline-bounded wait above
        }
    }

    /** How many transactions {@code resetCronTime} pulled back during the drain. */
    long pulledBack() {
        return pulledBack;
    }

    private void pullBack() {
        for (int round = 0; round < 100; round++) {
            JsonNode r = get("/api/dtmsvr/resetCronTime?timeout=3&limit=1000");
            if (r == null) {
                return;
            }
            pulledBack += r.path("succeed_count").asLong();
            if (!r.path("has_remaining").asBoolean()) {
                return;
            }
        }
    }

    /** The status of every stored transaction, by gid, and the rollback reason of those that have one. */
    Map<String, String> statuses(Map<String, String> reasons) {
        Map<String, String> m = new HashMap<>();
        String position = "";
        do {
            JsonNode page = get("/api/dtmsvr/all?limit=1000&position=" + position);
            if (page == null) {
                throw new IllegalStateException("the TM did not answer /all");
            }
            for (JsonNode g : page.path("transactions")) {
                m.put(g.path("gid").asText(), g.path("status").asText());
                String reason = g.path("rollback_reason").asText("");
                if (!reason.isEmpty()) {
                    reasons.put(g.path("gid").asText(), reason);
                }
            }
            position = page.path("next_position").asText("");
        } while (!position.isEmpty());
        return m;
    }

    /** The TM's branch rows of one transaction, one line each. */
    String branches(String gid) {
        JsonNode q = get("/api/dtmsvr/query?gid=" + URLEncoder.encode(gid, StandardCharsets.UTF_8));
        if (q == null) {
            return "  (query failed)";
        }
        StringBuilder sb = new StringBuilder();
        JsonNode g = q.path("transaction");
        sb.append("  tm: status=").append(g.path("status").asText()).append(" rollback_reason=")
                .append(g.path("rollback_reason").asText("")).append('\n');
        for (JsonNode b : q.path("branches")) {
            sb.append("  tm branch ").append(b.path("branch_id").asText()).append('/')
                    .append(b.path("op").asText()).append(' ').append(b.path("status").asText()).append('\n');
        }
        return sb.toString();
    }

    /** Runs every check. */
    Verdict check(Map<String, Transfer> transfers, Set<String> acked, LedgerBank bank, int accounts,
            long initialBalance, boolean drained, Duration drainTook) {
        Map<String, String> reasons = new HashMap<>();
        Map<String, String> status = statuses(reasons);
        LedgerBank.Books books = bank.books();
        Map<String, List<LedgerBank.Entry>> ledger = books.ledger();
        List<Violation> v = new ArrayList<>();
        Set<String> gids = new HashSet<>(transfers.keySet());
        gids.addAll(status.keySet());
        gids.addAll(ledger.keySet());
        Map<String, Integer> statusCounts = new TreeMap<>();
        status.values().forEach(s -> statusCounts.merge(s, 1, Integer::sum));
        for (String gid : gids) {
            String s = status.get(gid);
            List<LedgerBank.Entry> rows = ledger.getOrDefault(gid, List.of());
            Transfer t = transfers.get(gid);
            if (s == null) {
                if (acked.contains(gid)) {
                    v.add(new Violation(Violation.Kind.LOST, gid, "acknowledged, but the TM does not know it"));
                }
                if (!rows.isEmpty()) {
                    v.add(new Violation(Violation.Kind.EFFECT_WITHOUT_TRANSACTION, gid, "ledger " + rows));
                }
                continue;
            }
            if (t == null) {
                continue; // not ours; cannot happen on a fresh store
            }
            switch (s) {
                case "succeed" -> {
                    List<LedgerBank.Entry> expected = List.of(
                            new LedgerBank.Entry(gid, "01", "action", "TransOut", t.from(), -t.amount()),
                            new LedgerBank.Entry(gid, "02", "action", "TransIn", t.to(), t.amount()));
                    if (rows.size() != 2 || !new HashSet<>(rows).equals(new HashSet<>(expected))) {
                        v.add(new Violation(Violation.Kind.SUCCEED_LEDGER, gid, "ledger " + rows));
                    }
                }
                case "failed" -> {
                    Map<Integer, Long> net = new TreeMap<>();
                    rows.forEach(e -> net.merge(e.account(), e.amount(), Long::sum));
                    net.values().removeIf(x -> x == 0);
                    if (!net.isEmpty()) {
                        v.add(new Violation(Violation.Kind.FAILED_NOT_COMPENSATED, gid,
                                "net per account " + net + ", ledger " + rows));
                    }
                }
                default -> v.add(new Violation(Violation.Kind.NOT_FINAL, gid,
                        "status " + s + (acked.contains(gid) ? " (acknowledged)" : " (not acknowledged)")
                                + ", ledger " + rows));
            }
        }
        Map<Integer, Long> balances = books.balances();
        long sum = balances.values().stream().mapToLong(Long::longValue).sum();
        long expectedSum = accounts * initialBalance;
        if (sum != expectedSum) {
            v.add(new Violation(Violation.Kind.MONEY_NOT_CONSERVED, "",
                    "balances add up to " + sum + ", expected " + expectedSum + " (" + (sum > expectedSum ? "+" : "")
                            + (sum - expectedSum) + ")"));
        }
        Map<Integer, Long> fromLedger = new HashMap<>();
        ledger.values().forEach(l -> l.forEach(e -> fromLedger.merge(e.account(), e.amount(), Long::sum)));
        balances.forEach((acct, bal) -> {
            long want = initialBalance + fromLedger.getOrDefault(acct, 0L);
            if (bal != want) {
                v.add(new Violation(Violation.Kind.LEDGER_MISMATCH, "",
                        "account " + acct + " holds " + bal + " but its ledger says " + want));
            }
        });
        v.sort(java.util.Comparator.comparing(Violation::kind));
        Map<String, Integer> patterns = new TreeMap<>();
        for (Violation x : v) {
            if (x.gid().isEmpty()) {
                continue;
            }
            StringBuilder sig = new StringBuilder(x.kind().name()).append(", ")
                    .append(cause(reasons.getOrDefault(x.gid(), ""))).append(": applied [");
            for (LedgerBank.Entry e : ledger.getOrDefault(x.gid(), List.of())) {
                sig.append(e.route()).append(' ');
            }
            patterns.merge(sig.toString().trim() + "]", 1, Integer::sum);
        }
        return new Verdict(statusCounts, status.size(), drained, drainTook, v, patterns, sum, expectedSum);
    }

    /** Why the TM rolled back, in a few words (the reasons are DTM's texts). */
    static String cause(String reason) {
        if (reason.isEmpty()) {
            return "no rollback reason";
        }
        if (reason.startsWith("Timeout after")) {
            return "rolled back by timeout_to_fail";
        }
        if (reason.startsWith("RetryCount is greater than RetryLimit")) {
            return "rolled back by retry_limit";
        }
        if (reason.equals("fail message lost")) {
            return "rolled back on a FAILURE another pass recorded";
        }
        if (reason.contains("/TransOut return failed")) {
            return "rolled back on TransOut's FAILURE";
        }
        if (reason.contains("/TransIn return failed")) {
            return "rolled back on TransIn's FAILURE";
        }
        return "rolled back: " + reason;
    }

    private JsonNode get(String path) {
        for (int attempt = 0; attempt < 5; attempt++) {
            String base = tm.get();
            if (base != null) {
                HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                        .GET().build();
                try {
                    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return DtmJson.mapper().readTree(r.body());
                    }
                } catch (IOException e) {
                    // this TM is being replaced; try again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            try {
                Thread.sleep(500); // retry pause of a bounded retry loop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
