package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Nothing lost": a real server process is killed with SIGKILL while clients submit sagas; a new process on the
 * same data directory must drive every acknowledged saga to succeed, calling both of its branches.
 */
class KillDurabilityTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final FakeRm rm = FakeRm.start();

    @AfterEach
    void cleanup() {
        processes.forEach(Process::destroyForcibly);
        rm.close();
    }

    private int startServer() throws IOException {
        Process p = ServerProcessMain.launch(dir.toString());
        processes.add(p);
        return ServerProcessMain.awaitPort(p);
    }

    @Test
    void everyAcknowledgedSagaFinishesAfterKillMinus9() throws Exception {
        int port = startServer();
        DtmHttp api = new DtmHttp("http://127.0.0.1:" + port);
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger seq = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            clients.add(Thread.startVirtualThread(() -> {
                while (!stop.get()) {
                    String gid = "kill-" + seq.incrementAndGet();
                    Map<String, Object> body = Map.of("gid", gid, "trans_type", "saga",
                            "steps", List.of(Map.of("action", rm.url("/TransOut"), "compensate", rm.url("/TransOutRevert")),
                                    Map.of("action", rm.url("/TransIn"), "compensate", rm.url("/TransInRevert"))),
                            "payloads", List.of("{\"amount\":30}", "{\"amount\":30}"));
                    try {
                        if (api.post("/api/dtmsvr/submit", body).status() == 200) {
                            acked.add(gid);
                        }
                    } catch (RuntimeException e) {
                        return; // the server is gone
                    }
                }
            }));
        }
        await().atMost(DEADLINE).until(() -> acked.size() >= 400);
        processes.getFirst().destroyForcibly(); // SIGKILL
        processes.getFirst().waitFor();
        stop.set(true);
        for (Thread t : clients) {
            t.join();
        }
        Set<String> mustFinish = Set.copyOf(acked);

        int port2 = startServer();
        DtmHttp api2 = new DtmHttp("http://127.0.0.1:" + port2);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (String gid : mustFinish) {
                if (!"succeed".equals(api2.get("/api/dtmsvr/query?gid=" + gid).json().path("transaction")
                        .path("status").asText())) {
                    return false;
                }
            }
            return true;
        });
        for (String gid : mustFinish) {
            assertThat(rm.pathsFor(gid)).as(gid).contains("/TransOut", "/TransIn");
        }
        assertThat(mustFinish).hasSizeGreaterThanOrEqualTo(400);
    }
}
