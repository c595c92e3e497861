package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledged writes survive {@code kill -9}: a child JVM writes from 32 virtual threads and prints an ACK after
 * each saveNew returned; the test SIGKILLs it mid-stream, reopens the store and looks every ACKed gid up.
 */
class SqliteDurabilityTest {
    private static final int ACKS_BEFORE_KILL = 2000;
    private static final long DEADLINE_SECONDS = 90;
    private static final String EOF = "\u0000EOF";

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedSaveSurvivesSigkill() throws Exception {
        Path data = dir.resolve("data");
        Path stderr = dir.resolve("child.err");
        Process child = new ProcessBuilder(command(data)).redirectError(stderr.toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = Thread.ofVirtual().start(() -> pump(child, lines));
        List<String> acked = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            boolean eof = false;
            while (acked.size() < ACKS_BEFORE_KILL && !eof) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(line).as("the child wrote %d ACKs in time; stderr: %s", ACKS_BEFORE_KILL,
                        Files.exists(stderr) ? Files.readString(stderr) : "").isNotNull();
                eof = line.equals(EOF);
                if (line.startsWith("ACK ")) {
                    acked.add(line.substring(4));
                }
            }
            assertThat(child.isAlive()).as("the child is still writing; stderr: %s", Files.readString(stderr))
                    .isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux
            assertThat(child.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
        // ACKs still in the pipe were also printed after their commit: they count too.
        assertThat(pump.join(java.time.Duration.ofSeconds(DEADLINE_SECONDS))).isTrue();
        for (String line; (line = lines.poll()) != null; ) {
            if (line.startsWith("ACK ")) {
                acked.add(line.substring(4));
            }
        }
        assertThat(child.exitValue()).as("killed, not exited").isNotZero();
        assertThat(acked).hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL).doesNotHaveDuplicates();

        try (JdbcTransStore store = JdbcTransStore.openEmbedded(data)) {
            List<String> lost = acked.stream().filter(gid -> store.findGlobal(gid).isEmpty()).toList();
            assertThat(lost).as("acknowledged but lost").isEmpty();
            assertThat(store.findBranches(acked.getLast())).hasSize(1);
        }
    }

    private static List<String> command(Path data) {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                DurabilityChild.class.getName(), data.toString());
    }

    private static void pump(Process child, BlockingQueue<String> lines) {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            // The pipe breaks when the child is killed; what was read so far is what counts.
        } finally {
            lines.add(EOF);
        }
    }
}
