import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The load side of bench/recovery, in its own JVM, with only the JDK (source-launched: {@code java
 * bench/RecoveryLoad.java live ...}):
 *
 * <pre>
 * live host:port ratePerSecond branchUrl stopFile [maxSeconds=300]
 *     submits 2-step sagas (gid live-…) with wait_result at a fixed rate (open loop: a request's latency counts from
 *     its scheduled send time, so a stalled server cannot hide its stall by slowing the sender), until stopFile
 *     exists; prints one line per 5 s window and then p50/p90/p99/max, throughput and errors
 * </pre>
 */
public final class RecoveryLoad {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "live" -> live(args[1], Double.parseDouble(args[2]), args[3], Path.of(args[4]),
                    args.length > 5 ? Integer.parseInt(args[5]) : 300);
            default -> throw new IllegalArgumentException("mode must be live, not " + args[0]);
        }
    }

    private static HttpRequest submit(String hostPort, String gid, String branch, boolean waitResult) {
        String body = "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"wait_result\":" + waitResult
                + ",\"steps\":[{\"action\":\"" + branch + "\",\"compensate\":\"" + branch + "\"},{\"action\":\""
                + branch + "\",\"compensate\":\"" + branch + "\"}],"
                + "\"payloads\":[\"{\\\"amount\\\":30}\",\"{\\\"amount\\\":30}\"]}";
        return HttpRequest.newBuilder(URI.create("http://" + hostPort + "/api/dtmsvr/submit"))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private record Sample(long sentNanos, long micros, boolean ok) {}

    private static void live(String hostPort, double rate, String branch, Path stop, int maxSeconds)
            throws Exception {
        String prefix = "live-" + Long.toHexString(System.currentTimeMillis()) + "-";
        long period = (long) (1e9 / rate);
        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicLong inFlight = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + maxSeconds * 1_000_000_000L;
        long next = start;
        long nextWindow = start + 5_000_000_000L;
        int windowFrom = 0;
        List<Sample> done = new ArrayList<>();
        long n = 0;
        while (System.nanoTime() < deadline) {
            long now = System.nanoTime();
            if (now >= nextWindow) {
                drain(samples, done);
                printWindow((nextWindow - start) / 1e9, done.subList(windowFrom, done.size()), inFlight.get());
                windowFrom = done.size();
                nextWindow += 5_000_000_000L;
                if (Files.exists(stop)) {
                    break;
                }
            }
            if (now < next) {
                LockSupport.parkNanos(Math.min(next - now, 1_000_000));
                continue;
            }
            long scheduled = next;
            next += period;
            inFlight.incrementAndGet();
            HTTP.sendAsync(submit(hostPort, prefix + (n++), branch, true), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, t) -> {
                        boolean ok = t == null && r.statusCode() == 200;
                        if (!ok) {
                            firstError.compareAndSet(null, t != null ? t.toString() : r.statusCode() + " " + r.body());
                        }
                        samples.add(new Sample(scheduled, (System.nanoTime() - scheduled) / 1000, ok));
                        inFlight.decrementAndGet();
                    });
        }
        long sentUntil = System.nanoTime();
        while (inFlight.get() > 0 && System.nanoTime() - sentUntil < 130_000_000_000L) {
            LockSupport.parkNanos(10_000_000);
        }
        drain(samples, done);
        double secs = (sentUntil - start) / 1e9;
        long[] ok = done.stream().filter(Sample::ok).mapToLong(Sample::micros).sorted().toArray();
        long errors = done.stream().filter(s -> !s.ok()).count();
        System.out.printf("live: %d sagas in %.1f s at %.0f/s scheduled, %.0f/s completed, %d errors%s%n",
                done.size(), secs, rate, ok.length / secs, errors,
                firstError.get() == null ? "" : " (first: " + firstError.get() + ")");
        System.out.printf("live latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", pct(ok, 0.5),
                pct(ok, 0.9), pct(ok, 0.99), ok.length == 0 ? 0 : ok[ok.length - 1] / 1000.0);
    }

    private static void drain(ConcurrentLinkedQueue<Sample> q, List<Sample> into) {
        Sample s;
        while ((s = q.poll()) != null) {
            into.add(s);
        }
    }

    private static void printWindow(double at, List<Sample> window, long inFlight) {
        long[] ok = window.stream().filter(Sample::ok).mapToLong(Sample::micros).sorted().toArray();
        System.out.printf("live t=%5.0fs: %5d done, %3d errors, in flight %4d, p50 %7.1f ms, p99 %7.1f ms%n", at,
                window.size(), window.size() - ok.length, inFlight, pct(ok, 0.5), pct(ok, 0.99));
        System.out.flush();
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1000.0;
    }

    private RecoveryLoad() {}
}
