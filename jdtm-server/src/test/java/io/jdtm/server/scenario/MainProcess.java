package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The {@code jdtm} command ({@code io.jdtm.server.Main}) as a child JVM, as an operator runs it: configured by
 * environment variables only (the child's environment holds nothing else), its merged output kept line by line for
 * the test to read and wait on. {@link #stop()} sends SIGTERM ({@link ProcessHandle#destroy()}, not
 * {@link Process#destroy()}, which also closes the pipes and so loses what the process logs while it stops),
 * {@link #signal} any
 * signal by name.
 */
final class MainProcess implements AutoCloseable {
    private static final Pattern RUNNING = Pattern.compile("jdtm is running: http://localhost:(\\d+)/api/dtmsvr");

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private MainProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofVirtual().name("jdtm-child-output").start(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child is gone
            }
        });
    }

    /** Starts {@code jdtm} with {@code env} (e.g. {@code STORE_DRIVER}) and ports 0. */
    static MainProcess start(Map<String, String> env) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), "io.jdtm.server.Main"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
        pb.environment().put("HTTP_PORT", "0");
        pb.environment().put("GRPC_PORT", "0");
        pb.environment().putAll(env);
        try {
            return new MainProcess(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the server logs that it runs; returns its HTTP port. */
    int awaitRunning(Duration atMost) {
        awaitLine(RUNNING.pattern(), atMost);
        for (String l : lines) {
            Matcher m = RUNNING.matcher(l);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("unreachable");
    }

    /** Waits until a line matching {@code regex} was logged; fails with the whole output otherwise. */
    String awaitLine(String regex, Duration atMost) {
        Pattern p = Pattern.compile(regex);
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(50))
                .alias("a line matching /" + regex + "/ in the output of jdtm:\n" + output())
                .until(() -> lines.stream().anyMatch(l -> p.matcher(l).find()) || !process.isAlive());
        if (!process.isAlive()) {
            drained();
        }
        return lines.stream().filter(l -> p.matcher(l).find()).findFirst()
                .orElseThrow(() -> new AssertionError("jdtm ended (exit code " + process.exitValue()
                        + ") before logging /" + regex + "/:\n" + output()));
    }

    /** Every line logged so far matching {@code regex}. */
    List<String> linesMatching(String regex) {
        Pattern p = Pattern.compile(regex);
        return lines.stream().filter(l -> p.matcher(l).find()).toList();
    }

    /** Waits (briefly) until the output of an ended process is read to its end. */
    private void drained() {
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String output() {
        return String.join("\n", lines);
    }

    /** SIGTERM. */
    void stop() {
        process.toHandle().destroy();
    }

    /** Sends {@code SIG<name>} with kill(1). */
    void signal(String name) {
        try {
            int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
            assertThat(rc).as("kill -%s", name).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits for the process to end; returns its exit code, or fails (killing it) after {@code atMost}. */
    int awaitExit(Duration atMost) {
        try {
            if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("jdtm did not exit within " + atMost + ":\n" + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        drained();
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
