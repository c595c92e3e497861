package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.scenario.FakeRm.Reply;
import io.jdtm.server.scenario.FakeRm.Span;
import io.jdtm.server.store.Backends;
import io.jdtm.server.store.StoreFactory;
import io.jdtm.server.store.TransStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several TM instances on one store (issue 4): three real jdtm processes share one PostgreSQL, MariaDB or Redis
 * store. A backlog of due sagas is drained by all of them through owner leases; one process is killed with SIGKILL
 * in the middle of it, and the survivors take its transactions over once their lease (RetryInterval, 2 s here) has
 * expired. Asserted from the business service's side: every acknowledged saga succeeds, no two calls for one
 * transaction ever overlap (two instances never drive it at once), a transaction is driven again only after the lease
 * of its previous driver ran out, and the killed instance's transactions are taken over.
 */
class MultiInstanceTest {
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration SLOW = Duration.ofMillis(250);
    private static final int SAGAS = 240;
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private final FakeRm rm = FakeRm.start();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void cleanup() {
        processes.forEach(Process::destroyForcibly);
        rm.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql", "redis"})
    void threeInstancesShareTheBacklogAndTakeOverFromAKilledOne(String engine) throws Exception {
        StoreConfig store = Backends.server(engine, "multi");
        try (TransStore s = StoreFactory.open(store)) {
            s.reset(); // migrated and empty before the instances start
        }
        List<DtmHttp> tm = startInstances(store, 3);

        // Phase 1: every saga's second action fails once, so the whole backlog becomes due for the pollers.
        rm.answer("/TransIn", Reply.ERROR);
        List<String> gids = submitAll(tm);
        await().atMost(DEADLINE).until(() -> gids.stream().allMatch(g -> rm.pathsFor(g).contains("/TransIn")));
        Map<Integer, Long> before = Map.of(1, branchCalls(tm.get(1)), 2, branchCalls(tm.get(2)));

        // Phase 2: the service recovers but is slow, so each instance is in the middle of calls when one dies.
        rm.answer("/TransIn", new Reply(200, "{\"dtm_result\":\"SUCCESS\"}", SLOW));
        Instant up = Instant.now();
        await().atMost(DEADLINE).until(() -> successSpans(up).size() >= 20);
        processes.getFirst().destroyForcibly(); // SIGKILL, with its claimed transactions in flight
        processes.getFirst().waitFor();
        Instant killed = Instant.now();

        DtmHttp survivor = tm.get(1);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(500)).until(() -> gids.stream()
                .allMatch(g -> "succeed".equals(survivor.get("/api/dtmsvr/query?gid=" + g).json()
                        .path("transaction").path("status").asText())));

        // Nobody drove a transaction while another instance held it: no two calls for one gid overlap.
        Map<String, List<Span>> byGid = rm.spans().stream()
                .collect(Collectors.groupingBy(Span::gid, TreeMap::new, Collectors.toList()));
        for (String gid : gids) {
            List<Span> spans = byGid.get(gid).stream().sorted(Comparator.comparing(Span::start)).toList();
            for (int i = 1; i < spans.size(); i++) {
                assertThat(spans.get(i).overlaps(spans.get(i - 1)))
                        .as("%s: %s overlaps %s", gid, spans.get(i), spans.get(i - 1)).isFalse();
            }
        }

        // A saga is driven again only after the lease of its previous driver expired; the killed instance's
        // transactions are taken over that way.
        Map<String, List<Span>> recovered = successSpans(up).stream()
                .collect(Collectors.groupingBy(Span::gid));
        List<String> takenOver = new ArrayList<>();
        for (String gid : gids) {
            List<Span> calls = recovered.getOrDefault(gid, List.of()).stream()
                    .sorted(Comparator.comparing(Span::start)).toList();
            assertThat(calls).as("successful TransIn calls of %s", gid).isNotEmpty();
            for (int i = 1; i < calls.size(); i++) {
                assertThat(Duration.between(calls.get(i - 1).start(), calls.get(i).start()))
                        .as("%s re-driven before the lease of its previous driver expired: %s", gid, calls)
                        .isGreaterThanOrEqualTo(LEASE.minusMillis(500));
            }
            if (calls.size() > 1 && calls.getFirst().start().isBefore(killed)) {
                takenOver.add(gid);
            }
        }
        // Both survivors did part of the retry work (the lease spreads the backlog, it does not pin it).
        assertThat(branchCalls(tm.get(1))).as("instance 1 branch calls").isGreaterThan(before.get(1));
        assertThat(branchCalls(tm.get(2))).as("instance 2 branch calls").isGreaterThan(before.get(2));
    }

    private List<String> submitAll(List<DtmHttp> tm) throws InterruptedException {
        Set<String> ok = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            clients.add(Thread.startVirtualThread(() -> {
                for (int i = next.getAndIncrement(); i < SAGAS; i = next.getAndIncrement()) {
                    String gid = "multi-" + i;
                    Map<String, Object> body = Map.of("gid", gid, "trans_type", "saga",
                            "steps", List.of(Map.of("action", rm.url("/TransOut"), "compensate", rm.url("/TransOutRevert")),
                                    Map.of("action", rm.url("/TransIn"), "compensate", rm.url("/TransInRevert"))),
                            "payloads", List.of("{\"amount\":30}", "{\"amount\":30}"));
                    if (tm.get(i % tm.size()).post("/api/dtmsvr/submit", body).status() == 200) {
                        ok.add(gid);
                    }
                }
            }));
        }
        for (Thread t : clients) {
            t.join();
        }
        assertThat(ok).as("acknowledged submits").hasSize(SAGAS);
        return List.copyOf(ok);
    }

    /** Successful (slow) TransIn calls that started after the service came back. */
    private List<Span> successSpans(Instant up) {
        return rm.spans().stream().filter(s -> s.path().equals("/TransIn") && !s.start().isBefore(up)).toList();
    }

    /** The instance's own count of branch calls, from its Prometheus metrics. */
    private static long branchCalls(DtmHttp tm) {
        long sum = 0;
        for (String line : tm.get("/api/metrics").body().split("\n")) {
            if (line.startsWith("dtm_branch_process_total{")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private List<DtmHttp> startInstances(StoreConfig s, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            processes.add(ServerProcessMain.launch("driver=" + s.driver(), "host=" + s.host(), "port=" + s.port(),
                    "user=" + s.user(), "db=" + s.db(), "schema=" + s.schema(), "prefix=" + s.redisPrefix(),
                    "retry=" + LEASE.toSeconds(), "batch=4", "concurrency=4"));
        }
        List<DtmHttp> apis = new ArrayList<>();
        for (Process p : processes) {
            apis.add(new DtmHttp("http://127.0.0.1:" + ServerProcessMain.awaitPort(p)));
        }
        return apis;
    }
}
