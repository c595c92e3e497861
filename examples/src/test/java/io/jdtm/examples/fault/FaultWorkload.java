package io.jdtm.examples.fault;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The fault workload of the reliability issue: a bank on a real PostgreSQL database behind the branch barrier, real
 * TM processes killed with SIGKILL and restarted, slow and failing branches, short retry intervals and a few
 * hundred transfers per second; at the end it checks that money is conserved and no acknowledged transaction is lost
 * (see {@link Checker} and {@code docs/reliability.md}).
 *
 * <p>Run it long with {@code bench/fault-workload [seconds] [embedded|postgres|both] [key=value…]}; the test
 * {@code FaultWorkloadTest} runs it short in every build. Exit status 0 only when every check passed.
 */
public final class FaultWorkload {
    /** How many violating transactions are shown with their ledger, TM rows and RM calls: printed, in the file. */
    private static final int SHOWN = 15;
    private static final int SHOWN_IN_FILE = 500;

    private FaultWorkload() {}

    /** What a run did and found. */
    public record Report(WorkloadConfig config, String text, List<Checker.Violation> violations, long acked,
            int kills, long faults) {
        public boolean ok() {
            return violations.isEmpty();
        }
    }

    public static void main(String[] args) throws Exception {
        List<WorkloadConfig> runs;
        try {
            runs = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("fault-workload: " + e.getMessage());
            System.err.println("usage: bench/fault-workload [seconds] [embedded|postgres|both] [key=value ...]");
            System.exit(2);
            return;
        }
        boolean ok = true;
        for (WorkloadConfig c : runs) {
            ok &= run(c, System.out).ok();
        }
        System.exit(ok ? 0 : 1);
    }

    /** The runs a command line asks for: {@code [seconds] [embedded|postgres|both] [key=value ...]}. */
    static List<WorkloadConfig> parse(String[] args) {
        Duration seconds;
        try {
            seconds = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 60);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seconds must be a whole number, was '" + args[0] + "'");
        }
        String mode = args.length > 1 ? args[1] : "both";
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("settings are key=value, got '" + args[i] + "'");
            }
            overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        List<WorkloadConfig.Mode> modes = mode.equals("both")
                ? List.of(WorkloadConfig.Mode.EMBEDDED, WorkloadConfig.Mode.POSTGRES)
                : List.of(WorkloadConfig.Mode.parse(mode));
        List<WorkloadConfig> runs = new ArrayList<>();
        for (WorkloadConfig.Mode m : modes) {
            runs.add(WorkloadConfig.of(m, seconds, overrides));
        }
        return runs;
    }

    /** One run of one mode; prints progress and the summary to {@code out}. */
    public static Report run(WorkloadConfig c, PrintStream out) throws Exception {
        String id = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        out.println("fault workload " + id + ": " + c.describe());
        Faults faults = Faults.of(c);
        LedgerBank bank = new LedgerBank(c.dbUrl(), "jdtm_fault_bank_" + id, c.accounts(), c.initialBalance(),
                faults);
        TmCluster tms = null;
        try {
            Path logs = Path.of(System.getProperty("fault.logs", "target/fault-workload")).toAbsolutePath()
                    .resolve(c.mode().wire() + "-" + id);
            tms = TmCluster.start(c, "jdtm_fault_tm_" + id, logs);
            out.println("  bank " + bank.busiUrl() + ", " + c.mode().tms + " TM(s) " + tms.upUrls() + " on the "
                    + tms.storeDescription() + "; TM logs and this report in " + logs);
            return drive(c, id, faults, bank, tms, out, logs.resolve("report.txt"));
        } finally {
            if (tms != null) {
                tms.close(c.keep());
            }
            bank.close(c.keep());
        }
    }

    private static Report drive(WorkloadConfig c, String id, Faults faults, LedgerBank bank, TmCluster tms,
            PrintStream out, Path reportFile) throws Exception {
        Load load = new Load(c, tms, bank.busiUrl(), id);
        CountDownLatch stop = new CountDownLatch(1);
        List<String> killLog = new ArrayList<>();
        AtomicReference<Exception> killerFailed = new AtomicReference<>();
        String loadBefore = loadAverage();
        Instant t0 = Instant.now();
        Thread killer = Thread.ofPlatform().name("fault-killer").start(() -> {
            try {
                while (true) {
                    long mean = c.killEvery().toMillis();
                    long wait = ThreadLocalRandom.current().nextLong(mean / 2, mean * 3 / 2 + 1);
                    if (stop.await(wait, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                    TmCluster.Kill k = tms.killOne();
                    String line = String.format(Locale.ROOT, "  kill -9 of TM %d at +%.3fs, back after %d ms",
                            k.instance(), Duration.between(bank.started(), k.at()).toMillis() / 1000.0,
                            k.downtime().toMillis());
                    killLog.add(line);
                    out.println(line);
                }
            } catch (Exception e) {
                killerFailed.set(e); // a TM that does not come back after kill -9 ends the run below
            }
        });
        Thread progress = Thread.ofPlatform().daemon().name("fault-progress").start(() -> {
            try {
                while (!stop.await(5, TimeUnit.SECONDS)) {
                    long secs = Math.max(1, Duration.between(t0, Instant.now()).toSeconds());
                    out.printf(Locale.ROOT, "  +%ds sent %d (%.0f/s) acked %d, bank calls %d, kills %d%n", secs,
                            load.counts().sent.sum(), load.counts().sent.sum() / (double) secs, load.acked().size(),
                            bank.served(), tms.kills().size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        load.runUntil(System.nanoTime() + c.duration().toNanos());
        Duration loadTook = Duration.between(t0, Instant.now());
        stop.countDown();
        killer.join(); // a restart in progress completes first
        progress.interrupt();
        if (killerFailed.get() != null) {
            throw new IllegalStateException("a TM could not be restarted after kill -9 (its log is in the run's "
                    + "directory): " + killerFailed.get(), killerFailed.get());
        }
        String loadAfter = loadAverage();
        boolean quiet = load.awaitQuiet(Duration.ofSeconds(4L * c.requestTimeout() + 30));
        faults.off();
        out.println("  load ended after " + loadTook.toSeconds() + " s" + (quiet ? "" : " (some submits still open)")
                + "; faults off, waiting up to " + c.drain().toSeconds() + " s for every transaction to finish");

        Checker checker = new Checker(tms::pick);
        Instant d0 = Instant.now();
        boolean drained = checker.awaitFinal(c.drain());
        Duration drainTook = Duration.between(d0, Instant.now());
        Checker.Verdict v = checker.check(load.transfers(), load.acked(), bank, c.accounts(), c.initialBalance(),
                drained, drainTook);
        String machine = "  machine load average (1 min) at the start " + loadBefore + ", at the end of the load "
                + loadAfter + " on " + Runtime.getRuntime().availableProcessors() + " cores\n";
        String text = summary(c, load, bank, faults, tms, v, loadTook, killLog, checker, SHOWN) + machine;
        out.print(text);
        Files.writeString(reportFile, c.describe() + "\n"
                + summary(c, load, bank, faults, tms, v, loadTook, killLog, checker, SHOWN_IN_FILE) + machine);
        long injected = faults.counts().entrySet().stream().filter(e -> e.getKey() != Faults.Kind.NONE)
                .mapToLong(Map.Entry::getValue).sum();
        return new Report(c, text, v.violations(), load.acked().size(), tms.kills().size(), injected);
    }

    /** The 1-minute load average of this machine (Linux), or "?" elsewhere: runs on a busy box differ. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String summary(WorkloadConfig c, Load load, LedgerBank bank, Faults faults, TmCluster tms,
            Checker.Verdict v, Duration loadTook, List<String> killLog, Checker checker, int shownMax) {
        Load.Counts n = load.counts();
        StringBuilder sb = new StringBuilder();
        double secs = Math.max(1, loadTook.toMillis()) / 1000.0;
        sb.append(String.format(Locale.ROOT, "== fault workload, mode %s: %.0f s of load%n", c.mode().wire(), secs));
        sb.append(String.format(Locale.ROOT,
                "  transfers: sent %d (%.0f/s, target %d/s), not sent %d (no TM up or too many open), acknowledged %d%n",
                n.sent.sum(), n.sent.sum() / secs, c.rate(), n.notSent.sum(), load.acked().size()));
        sb.append(String.format(Locale.ROOT,
                "  first submits: 200 %d, 409 with wait_result %d, other 409 %d, 5xx %d, other %d, refused %d, "
                        + "timed out %d, io errors %d%n",
                n.ok200.sum(), n.wait409.sum(), n.other409.sum(), n.status5xx.sum(), n.otherStatus.sum(),
                n.refused.sum(), n.timedOut.sum(), n.ioError.sum()));
        sb.append(String.format(Locale.ROOT,
                "  mix: wait_result %d, timeout_to_fail %d, retry_limit %d, TransIn told to refuse %d; re-submits %d "
                        + "(200 %d, 409 %d, no answer/other %d)%n",
                n.waitResult.sum(), n.withTimeoutToFail.sum(), n.withRetryLimit.sum(), n.refuseAsked.sum(), n.resubmits.sum(),
                n.resubmit200.sum(), n.resubmit409.sum(), n.resubmitError.sum()));
        sb.append(String.format(Locale.ROOT, "  TM kills (SIGKILL + restart): %d%n", tms.kills().size()));
        Map<Faults.Kind, Long> f = faults.counts();
        sb.append(String.format(Locale.ROOT,
                "  bank: %d calls (%.1f per transfer), %d effects applied; injected: slow before %d, slow after %d, 500 before %d, "
                        + "500 after %d; business FAILURE: insufficient funds %d, TransIn refused %d%n",
                bank.served(), bank.served() / (double) Math.max(1, n.sent.sum()), bank.applied(),
                f.get(Faults.Kind.SLOW_BEFORE), f.get(Faults.Kind.SLOW_AFTER),
                f.get(Faults.Kind.ERROR_BEFORE), f.get(Faults.Kind.ERROR_AFTER), bank.insufficientFunds(),
                bank.refusals()));
        sb.append(String.format(Locale.ROOT, "  TM: %d stored, statuses %s; %s after %d s of drain "
                        + "(resetCronTime pulled back %d backed-off transactions)%n", v.stored(), v.statuses(),
                v.drained() ? "all final" : "NOT all final", v.drainTook().toSeconds(), checker.pulledBack()));
        sb.append(String.format(Locale.ROOT, "  balances: sum %d, expected %d%n", v.balanceSum(), v.expectedSum()));
        List<Checker.Violation> vs = v.violations();
        if (vs.isEmpty()) {
            sb.append("  OK: no violation\n");
            return sb.toString();
        }
        Map<Checker.Violation.Kind, Integer> byKind = new LinkedHashMap<>();
        vs.forEach(x -> byKind.merge(x.kind(), 1, Integer::sum));
        sb.append("  VIOLATIONS: ").append(vs.size()).append(' ').append(byKind).append('\n');
        sb.append("  patterns (kind, why the TM rolled back: effects applied, in commit order):\n");
        v.patterns().forEach((p, k) -> sb.append("    ").append(k).append(" x ").append(p).append('\n'));
        int shown = 0;
        for (Checker.Violation x : vs) {
            if (shown++ == shownMax) {
                sb.append("  ... and ").append(vs.size() - shownMax).append(" more: ");
                vs.stream().skip(shownMax).limit(200).forEach(y -> sb.append(y.gid().isEmpty() ? "-" : y.gid())
                        .append(' '));
                sb.append('\n');
                break;
            }
            sb.append("  ").append(x.kind()).append(' ').append(x.gid()).append(": ").append(x.detail()).append('\n');
            if (!x.gid().isEmpty()) {
                Transfer t = load.transfers().get(x.gid());
                if (t != null) {
                    sb.append("  transfer: ").append(t).append('\n');
                }
                sb.append(checker.branches(x.gid()));
                for (LedgerBank.Call call : bank.calls(x.gid())) {
                    sb.append("  rm ").append(call).append('\n');
                }
            }
        }
        sb.append("  kills (times since the bank started, as the rm call times above):\n");
        killLog.forEach(k -> sb.append("  ").append(k).append('\n'));
        return sb.toString();
    }
}
