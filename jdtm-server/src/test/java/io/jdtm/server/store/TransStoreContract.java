package io.jdtm.server.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The storage contract (spec §10.2 and the store cases of §14), run against every engine. A subclass provides an
 * empty store; the tests never read the wall clock and never sleep: every time is an explicit {@link Instant}.
 *
 * <p>Engines differ in what the contract leaves open; subclasses describe theirs with {@link #timePrecision()} and
 * {@link #scansNewestFirst()}.
 */
public abstract class TransStoreContract {

    /** A fixed "now", with a millisecond part so that millisecond engines are checked exactly. */
    protected static final Instant T0 = Instant.parse("2026-03-01T10:00:00.250Z");
    /** The poller lease in these tests (DTM's default RetryInterval). */
    protected static final Duration RETRY_INTERVAL = Duration.ofSeconds(10);
    private static final long TIMEOUT_SECONDS = 120;

    protected TransStore store;

    /** An open, empty store (reset or freshly created). The contract closes it after each test. */
    protected abstract TransStore newStore();

    /**
     * How far a stored time may be from the time written: one millisecond for engines storing milliseconds, one
     * second for SQL engines storing whole seconds (which truncate or round).
     */
    protected Duration timePrecision() {
        return Duration.ofMillis(1);
    }

    /** Whether {@link TransStore#scanGlobals} and {@link TransStore#scanKv} list newest first (SQL engines do). */
    protected boolean scansNewestFirst() {
        return true;
    }

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ---- helpers ----

    protected static TransGlobal newGlobal(String gid, TransStatus status, Instant now) {
        return new TransGlobal(0, gid, TransType.SAGA, status, "", "http", now, now, null, null, "", "",
                TransOptions.NONE, "", 10, now.plusSeconds(10), "", "");
    }

    protected static TransGlobal dueAt(String gid, TransStatus status, Instant nextCronTime) {
        return newGlobal(gid, status, T0).withSchedule(10, nextCronTime, T0);
    }

    protected static TransBranch branch(String gid, String branchId, String op, Instant now) {
        return TransBranch.create(gid, "http://busi.example/" + op, ("payload " + gid + "/" + branchId).getBytes(UTF_8),
                branchId, op, BranchStatus.PREPARED, now);
    }

    /** The saga branch pair of step {@code i}: compensate first, then action, as DTM stores them. */
    protected static List<TransBranch> sagaStep(String gid, int i, Instant now) {
        String id = String.format("%02d", i);
        return List.of(branch(gid, id, "compensate", now), branch(gid, id, "action", now));
    }

    protected void assertSameTime(Instant actual, Instant expected) {
        if (expected == null) {
            assertThat(actual).as("time").isNull();
            return;
        }
        assertThat(actual).as("time").isNotNull();
        assertThat(Duration.between(expected, actual).abs())
                .as("stored %s vs written %s", actual, expected)
                .isLessThan(timePrecision());
    }

    protected TransGlobal find(String gid) {
        Optional<TransGlobal> g = store.findGlobal(gid);
        assertThat(g).as("global %s", gid).isPresent();
        return g.orElseThrow();
    }

    private static List<String> keys(List<TransBranch> branches) {
        return branches.stream().map(b -> b.branchId() + "/" + b.op()).toList();
    }

    private static List<String> gids(List<TransGlobal> globals) {
        return globals.stream().map(TransGlobal::gid).toList();
    }

    /** Runs {@code n} tasks on virtual threads at once and returns their results in task order. */
    protected static <T> List<Outcome<T>> concurrently(int n, IntFunction<Callable<T>> task) throws Exception {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(ex.submit(task.apply(i)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            List<Outcome<T>> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(new Outcome<>(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS),
                            null));
                } catch (ExecutionException e) {
                    out.add(new Outcome<>(null, e.getCause()));
                } catch (TimeoutException e) {
                    ex.shutdownNow(); // or close() would wait for the stuck tasks forever
                    throw new AssertionError("concurrent tasks did not finish within " + TIMEOUT_SECONDS + " s", e);
                }
            }
            return out;
        }
    }

    protected record Outcome<T>(T value, Throwable error) {}

    // ---- save and find ----

    @Test
    void saveNewThenFindRoundTripsEveryField() {
        Instant created = T0.minusMillis(1500);
        TransOptions options = new TransOptions(true, 1800, 6, 15, Map.of("Authorization", "Bearer x", "X-B", "ü"),
                true, 3, 2);
        TransGlobal g = new TransGlobal(0, "rt-1", TransType.MSG, TransStatus.PREPARED,
                "http://busi.example/queryPrepared", "grpc", created, T0, T0.plusSeconds(1), T0.plusSeconds(2),
                "cmVzdWx0", "because ☃", options, "{\"a\":[1,2]}", 15, T0.plusSeconds(15), "owner-x",
                "{\"headers\":{\"k\":\"v\"}}");
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        TransBranch b1 = new TransBranch(0, "rt-1", "http://busi.example/TransIn", payload, "01", "action",
                BranchStatus.SUCCEED, created, T0, T0.plusMillis(10), T0.plusMillis(20));
        TransBranch b2 = TransBranch.create("rt-1", "", new byte[0], "02", "action", BranchStatus.PREPARED, T0);

        TransGlobal saved = store.saveNew(g, List.of(b1, b2));

        assertThat(saved.id()).isPositive();
        TransGlobal found = find("rt-1");
        assertThat(found).isEqualTo(saved);
        assertThat(found.id()).isEqualTo(saved.id());
        assertThat(found.gid()).isEqualTo("rt-1");
        assertThat(found.transType()).isEqualTo(TransType.MSG);
        assertThat(found.status()).isEqualTo(TransStatus.PREPARED);
        assertThat(found.queryPrepared()).isEqualTo("http://busi.example/queryPrepared");
        assertThat(found.protocol()).isEqualTo("grpc");
        assertSameTime(found.createTime(), created);
        assertSameTime(found.updateTime(), T0);
        assertSameTime(found.finishTime(), T0.plusSeconds(1));
        assertSameTime(found.rollbackTime(), T0.plusSeconds(2));
        assertThat(found.result()).isEqualTo("cmVzdWx0");
        assertThat(found.rollbackReason()).isEqualTo("because ☃");
        assertThat(found.options()).isEqualTo(options);
        assertThat(found.customData()).isEqualTo("{\"a\":[1,2]}");
        assertThat(found.nextCronInterval()).isEqualTo(15);
        assertSameTime(found.nextCronTime(), T0.plusSeconds(15));
        assertThat(found.owner()).isEqualTo("owner-x");
        assertThat(found.extData()).isEqualTo("{\"headers\":{\"k\":\"v\"}}");

        List<TransBranch> branches = store.findBranches("rt-1");
        assertThat(keys(branches)).containsExactly("01/action", "02/action");
        TransBranch r1 = branches.get(0);
        assertThat(r1.id()).isPositive();
        assertThat(r1.gid()).isEqualTo("rt-1");
        assertThat(r1.url()).isEqualTo("http://busi.example/TransIn");
        assertThat(r1.binData()).containsExactly(payload);
        assertThat(r1.status()).isEqualTo(BranchStatus.SUCCEED);
        assertSameTime(r1.createTime(), created);
        assertSameTime(r1.updateTime(), T0);
        assertSameTime(r1.finishTime(), T0.plusMillis(10));
        assertSameTime(r1.rollbackTime(), T0.plusMillis(20));
        TransBranch r2 = branches.get(1);
        assertThat(r2.url()).isEmpty();
        assertThat(r2.binData()).isEmpty();
        assertThat(r2.status()).isEqualTo(BranchStatus.PREPARED);
        assertThat(r2.finishTime()).isNull();
        assertThat(r2.rollbackTime()).isNull();
    }

    @Test
    void unknownGidIsEmptyNotAnError() {
        assertThat(store.findGlobal("nobody")).isEmpty();
        assertThat(store.findBranches("nobody")).isEmpty();
    }

    @Test
    void findBranchesOfManyGidsGivesEachItsOwnInOrder() {
        List<String> gids = new ArrayList<>();
        for (int i = 0; i < 130; i++) { // more than one query's worth on the SQL engines
            String gid = "many-b-" + i;
            gids.add(gid);
            if (i % 10 != 7) { // every tenth has no row at all
                store.saveNew(newGlobal(gid, TransStatus.SUBMITTED, T0), sagaStep(gid, i % 3 + 1, T0));
            }
        }
        store.appendBranches("many-b-0", TransStatus.SUBMITTED, List.of(branch("many-b-0", "09", "action", T0)));
        gids.add("many-b-5"); // asked twice

        Map<String, List<TransBranch>> found = store.findBranches(gids);

        assertThat(found).hasSize(130);
        for (int i = 0; i < 130; i++) {
            String gid = "many-b-" + i;
            assertThat(found.get(gid)).as(gid).extracting(TransBranch::id)
                    .containsExactlyElementsOf(store.findBranches(gid).stream().map(TransBranch::id).toList());
            assertThat(found.get(gid)).as(gid).allSatisfy(b -> assertThat(b.gid()).isEqualTo(gid));
        }
        assertThat(found.get("many-b-7")).isEmpty();
        assertThat(keys(found.get("many-b-0"))).containsExactly("01/compensate", "01/action", "09/action");
        assertThat(keys(found.get("many-b-4"))).containsExactly("02/compensate", "02/action");
        assertThat(store.findBranches(List.of())).isEmpty();
    }

    @Test
    void saveNewTwiceIsAUniqueConflictAndChangesNothing() {
        TransGlobal first = store.saveNew(newGlobal("dup-1", TransStatus.PREPARED, T0), sagaStep("dup-1", 1, T0));

        TransGlobal other = newGlobal("dup-1", TransStatus.SUBMITTED, T0.plusSeconds(5)).withCustomData("changed");
        assertThatThrownBy(() -> store.saveNew(other, sagaStep("dup-1", 2, T0)))
                .isInstanceOf(UniqueConflictException.class);

        assertThat(find("dup-1")).isEqualTo(first);
        assertThat(keys(store.findBranches("dup-1"))).containsExactly("01/compensate", "01/action");
    }

    @Test
    void concurrentSaveNewOfTheSameGidsLetsExactlyOneWinEach() throws Exception {
        List<Outcome<TransGlobal>> results = concurrently(64, i -> () -> {
            String gid = "race-" + (i % 32);
            return store.saveNew(newGlobal(gid, TransStatus.SUBMITTED, T0), sagaStep(gid, 1, T0));
        });

        assertThat(results.stream().filter(r -> r.error() == null)).hasSize(32);
        assertThat(results.stream().filter(r -> r.error() != null))
                .hasSize(32)
                .allSatisfy(r -> assertThat(r.error()).isInstanceOf(UniqueConflictException.class));
        for (int i = 0; i < 32; i++) {
            assertThat(keys(store.findBranches("race-" + i))).containsExactly("01/compensate", "01/action");
        }
    }

    @Test
    void manyConcurrentWritersAllSucceedAndAreAllFound() throws Exception {
        int threads = 64;
        int each = 50;
        Map<String, TransGlobal> saved = new java.util.concurrent.ConcurrentHashMap<>();
        List<Outcome<Integer>> results = concurrently(threads, t -> () -> {
            for (int n = 0; n < each; n++) {
                String gid = "many-" + t + "-" + n;
                saved.put(gid, store.saveNew(newGlobal(gid, TransStatus.SUBMITTED, T0),
                        List.of(branch(gid, "01", "action", T0))));
            }
            return each;
        });

        assertThat(results).allSatisfy(r -> assertThat(r.error()).isNull());
        for (int t = 0; t < threads; t++) {
            for (int n = 0; n < each; n++) {
                String gid = "many-" + t + "-" + n;
                // each writer got its own row back, id included, however the writes were batched
                assertThat(store.findGlobal(gid)).as(gid).contains(saved.get(gid));
            }
        }
        assertThat(store.findBranches("many-63-49")).hasSize(1);
        Page<TransGlobal> all = store.scanGlobals(ScanQuery.first(threads * each + 1));
        assertThat(all.items()).hasSize(threads * each);
        assertThat(all.next()).isEmpty();

        // and their status changes, with a branch each, side by side too
        Instant t1 = T0.plusSeconds(5);
        List<Outcome<Integer>> changes = concurrently(threads, t -> () -> {
            for (int n = 0; n < each; n++) {
                String gid = "many-" + t + "-" + n;
                TransStatus to = n % 2 == 0 ? TransStatus.SUCCEED : TransStatus.ABORTING;
                TransGlobal changed = store.changeStatus(gid, StatusChange.of(TransStatus.SUBMITTED, to, t1),
                        List.of(branch(gid, "01", "action", T0).withStatus(BranchStatus.SUCCEED, t1)));
                assertThat(changed.gid()).isEqualTo(gid);
                assertThat(changed.id()).isEqualTo(saved.get(gid).id());
                assertThat(changed.status()).isEqualTo(to);
            }
            return each;
        });
        assertThat(changes).allSatisfy(r -> assertThat(r.error()).isNull());
        assertThat(store.findBranches("many-17-3")).singleElement()
                .extracting(TransBranch::status).isEqualTo(BranchStatus.SUCCEED);
        assertThat(store.findGlobal("many-17-4")).get().extracting(TransGlobal::status)
                .isEqualTo(TransStatus.SUCCEED);
    }

    // ---- branches ----

    @Test
    void appendBranchesKeepsInsertionOrder() {
        store.saveNew(newGlobal("app-1", TransStatus.SUBMITTED, T0), sagaStep("app-1", 1, T0));

        store.appendBranches("app-1", TransStatus.SUBMITTED, sagaStep("app-1", 2, T0));
        store.appendBranches("app-1", TransStatus.SUBMITTED, sagaStep("app-1", 3, T0));

        assertThat(keys(store.findBranches("app-1")))
                .containsExactly("01/compensate", "01/action", "02/compensate", "02/action", "03/compensate",
                        "03/action");
    }

    @Test
    void appendBranchesWithAnotherGlobalStatusIsNotFoundAndWritesNothing() {
        store.saveNew(newGlobal("app-2", TransStatus.PREPARED, T0), List.of());

        assertThatThrownBy(() -> store.appendBranches("app-2", TransStatus.SUBMITTED, sagaStep("app-2", 1, T0)))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> store.appendBranches("missing", TransStatus.PREPARED, sagaStep("missing", 1, T0)))
                .isInstanceOf(NotFoundException.class);

        assertThat(store.findBranches("app-2")).isEmpty();
        assertThat(store.findBranches("missing")).isEmpty();
    }

    @Test
    void appendingAnExistingBranchIdAndOpIsAUniqueConflictAndWritesNothing() {
        store.saveNew(newGlobal("app-3", TransStatus.PREPARED, T0), List.of(branch("app-3", "01", "action", T0)));

        // The new row comes first, so an engine writing row by row must undo it.
        List<TransBranch> again = List.of(branch("app-3", "02", "action", T0), branch("app-3", "01", "action", T0));
        assertThatThrownBy(() -> store.appendBranches("app-3", TransStatus.PREPARED, again))
                .isInstanceOf(UniqueConflictException.class);

        assertThat(keys(store.findBranches("app-3"))).containsExactly("01/action");
        // The same branch_id with another op is a different row.
        store.appendBranches("app-3", TransStatus.PREPARED, List.of(branch("app-3", "01", "rollback", T0)));
        assertThat(keys(store.findBranches("app-3"))).containsExactly("01/action", "01/rollback");
    }

    @Test
    void updateBranchesWritesStatusAndTimesGuardedByTheGlobalStatus() {
        store.saveNew(newGlobal("upd-1", TransStatus.SUBMITTED, T0), sagaStep("upd-1", 1, T0));
        List<TransBranch> before = store.findBranches("upd-1");
        Instant t1 = T0.plusSeconds(3);
        TransBranch action = before.get(1).withStatus(BranchStatus.SUCCEED, t1);

        store.updateBranches("upd-1", TransStatus.SUBMITTED, List.of(action));

        List<TransBranch> after = store.findBranches("upd-1");
        assertThat(after.get(1).status()).isEqualTo(BranchStatus.SUCCEED);
        assertSameTime(after.get(1).updateTime(), t1);
        assertSameTime(after.get(1).finishTime(), t1);
        assertThat(after.get(1).binData()).containsExactly(before.get(1).binData());
        assertThat(after.get(0).status()).as("untouched compensate").isEqualTo(BranchStatus.PREPARED);
        assertThat(after.get(0).finishTime()).isNull();

        TransBranch failed = after.get(0).withStatus(BranchStatus.FAILED, t1);
        assertThatThrownBy(() -> store.updateBranches("upd-1", TransStatus.ABORTING, List.of(failed)))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> store.updateBranches("missing", TransStatus.SUBMITTED, List.of()))
                .isInstanceOf(NotFoundException.class);
        assertThat(store.findBranches("upd-1").get(0).status()).isEqualTo(BranchStatus.PREPARED);
    }

    @Test
    void updateBranchesMatchesIdsWithQuotesSlashesAndUnicodeExactly() {
        // Branch ids are free text in DTM; the Redis engine reads keys off the stored json, so odd ids must still
        // match exactly, and a url holding text that looks like a key must not confuse it.
        String gid = "odd-ids";
        TransBranch plain = TransBranch.create(gid, "http://x/?q={\"branch_id\":\"a/b\",\"op\":\"action\"}",
                new byte[0], "01", "action", BranchStatus.PREPARED, T0);
        TransBranch slash = TransBranch.create(gid, "http://x/1", new byte[0], "a/b", "action", BranchStatus.PREPARED, T0);
        TransBranch quote = TransBranch.create(gid, "http://x/2", new byte[0], "q\"1\\", "action",
                BranchStatus.PREPARED, T0);
        TransBranch unicode = TransBranch.create(gid, "http://x/3", new byte[0], "zweig-\u00e9\u4e2d", "action",
                BranchStatus.PREPARED, T0);
        store.saveNew(newGlobal(gid, TransStatus.SUBMITTED, T0), List.of(plain, slash, quote, unicode));
        Instant t1 = T0.plusSeconds(2);

        store.updateBranches(gid, TransStatus.SUBMITTED, List.of(slash.withStatus(BranchStatus.SUCCEED, t1),
                quote.withStatus(BranchStatus.FAILED, t1), unicode.withStatus(BranchStatus.SUCCEED, t1)));

        List<TransBranch> after = store.findBranches(gid);
        assertThat(after).extracting(TransBranch::branchId).containsExactly("01", "a/b", "q\"1\\", "zweig-\u00e9\u4e2d");
        assertThat(after).extracting(TransBranch::status).containsExactly(BranchStatus.PREPARED, BranchStatus.SUCCEED,
                BranchStatus.FAILED, BranchStatus.SUCCEED);
        assertThat(after.getFirst().url()).isEqualTo(plain.url());
    }

    // ---- global status ----

    @Test
    void changeStatusIsACompareAndSet() {
        TransGlobal saved = store.saveNew(newGlobal("cs-1", TransStatus.PREPARED, T0), List.of());

        assertThatThrownBy(() -> store.changeStatus("cs-1",
                StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, T0.plusSeconds(1))))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> store.changeStatus("missing",
                StatusChange.of(TransStatus.PREPARED, TransStatus.SUBMITTED, T0)))
                .isInstanceOf(NotFoundException.class);

        assertThat(find("cs-1")).isEqualTo(saved);
    }

    @Test
    void changeStatusWithBranchesWritesBothOrNeither() {
        store.saveNew(newGlobal("csb-1", TransStatus.SUBMITTED, T0), sagaStep("csb-1", 1, T0));
        List<TransBranch> before = store.findBranches("csb-1");
        Instant t1 = T0.plusSeconds(4);
        TransBranch action = before.get(1).withStatus(BranchStatus.SUCCEED, t1);

        assertThatThrownBy(() -> store.changeStatus("csb-1",
                StatusChange.of(TransStatus.ABORTING, TransStatus.FAILED, t1), List.of(action)))
                .isInstanceOf(NotFoundException.class);
        assertThat(store.findBranches("csb-1")).extracting(TransBranch::status)
                .containsExactly(BranchStatus.PREPARED, BranchStatus.PREPARED);
        assertThat(find("csb-1").status()).isEqualTo(TransStatus.SUBMITTED);

        TransGlobal succeed = store.changeStatus("csb-1",
                StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, t1), List.of(action));
        assertThat(succeed.status()).isEqualTo(TransStatus.SUCCEED);
        assertThat(find("csb-1")).isEqualTo(succeed);
        List<TransBranch> after = store.findBranches("csb-1");
        assertThat(after).extracting(TransBranch::status).containsExactly(BranchStatus.PREPARED, BranchStatus.SUCCEED);
        assertSameTime(after.get(1).finishTime(), t1);
        assertThat(after.get(1).binData()).containsExactly(before.get(1).binData());
    }

    @Test
    void changeStatusChainPreparedSubmittedSucceed() {
        store.saveNew(newGlobal("cs-2", TransStatus.PREPARED, T0), List.of());
        Instant t1 = T0.plusSeconds(1);
        Instant t2 = T0.plusSeconds(2);

        TransGlobal submitted = store.changeStatus("cs-2",
                StatusChange.of(TransStatus.PREPARED, TransStatus.SUBMITTED, t1));
        assertThat(submitted.status()).isEqualTo(TransStatus.SUBMITTED);
        assertSameTime(submitted.updateTime(), t1);
        assertThat(submitted.finishTime()).isNull();

        TransGlobal succeed = store.changeStatus("cs-2",
                new StatusChange(TransStatus.SUBMITTED, TransStatus.SUCCEED, "", "d29ya2Zsb3c=", t2));
        assertThat(succeed.status()).isEqualTo(TransStatus.SUCCEED);
        assertSameTime(succeed.updateTime(), t2);
        assertSameTime(succeed.finishTime(), t2);
        assertThat(succeed.rollbackTime()).isNull();
        assertThat(succeed.result()).isEqualTo("d29ya2Zsb3c=");
        assertThat(succeed.rollbackReason()).isEmpty();
        assertSameTime(succeed.createTime(), T0);
        assertThat(find("cs-2")).isEqualTo(succeed);

        assertThatThrownBy(() -> store.changeStatus("cs-2",
                StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, t2)))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void changeStatusToFailedWritesRollbackTimeAndKeepsAnEarlierReason() {
        store.saveNew(newGlobal("cs-3", TransStatus.SUBMITTED, T0).withRollbackReason(""), List.of());
        Instant t1 = T0.plusSeconds(1);
        Instant t2 = T0.plusSeconds(2);

        TransGlobal aborting = store.changeStatus("cs-3",
                new StatusChange(TransStatus.SUBMITTED, TransStatus.ABORTING, "Insufficient balance", "", t1));
        assertThat(aborting.rollbackReason()).isEqualTo("Insufficient balance");
        assertThat(aborting.rollbackTime()).isNull();

        TransGlobal failed = store.changeStatus("cs-3",
                StatusChange.of(TransStatus.ABORTING, TransStatus.FAILED, t2));
        assertThat(failed.status()).isEqualTo(TransStatus.FAILED);
        assertSameTime(failed.rollbackTime(), t2);
        assertThat(failed.finishTime()).isNull();
        assertThat(failed.rollbackReason()).as("an empty reason leaves the stored one").isEqualTo(
                "Insufficient balance");
        assertThat(failed.result()).isEmpty();
        assertThat(find("cs-3")).isEqualTo(failed);
    }

    @Test
    void concurrentStatusChangesLetExactlyOneWin() throws Exception {
        store.saveNew(newGlobal("cs-4", TransStatus.SUBMITTED, T0), List.of());

        List<Outcome<TransGlobal>> results = concurrently(16, i -> () -> store.changeStatus("cs-4",
                new StatusChange(TransStatus.SUBMITTED, i % 2 == 0 ? TransStatus.SUCCEED : TransStatus.ABORTING,
                        "", "", T0.plusSeconds(i))));

        assertThat(results.stream().filter(r -> r.error() == null)).hasSize(1);
        assertThat(results.stream().filter(r -> r.error() != null))
                .hasSize(15)
                .allSatisfy(r -> assertThat(r.error()).isInstanceOf(NotFoundException.class));
        TransGlobal winner = results.stream().filter(r -> r.error() == null).findFirst().orElseThrow().value();
        assertThat(find("cs-4").status()).isEqualTo(winner.status());
    }

    // ---- the pass lease ----

    private static final String LEASE_A = TransStore.LEASE_PREFIX + "a-1";
    private static final String LEASE_B = TransStore.LEASE_PREFIX + "b-1";

    @Test
    void acquireTakesAFreeUnfinishedRowAndReturnsItAsStored() {
        store.saveNew(dueAt("lq-1", TransStatus.SUBMITTED, T0.plusSeconds(300)), List.of());

        Optional<TransGlobal> got = store.acquire("lq-1", LEASE_A, T0, T0.plusSeconds(15));

        assertThat(got).isPresent();
        assertThat(got.get().owner()).isEqualTo(LEASE_A);
        assertSameTime(got.get().nextCronTime(), T0.plusSeconds(15));
        assertThat(got.get().status()).isEqualTo(TransStatus.SUBMITTED);
        TransGlobal stored = find("lq-1");
        assertThat(stored.owner()).isEqualTo(LEASE_A);
        assertSameTime(stored.nextCronTime(), T0.plusSeconds(15));
        assertThat(TransStore.leased(stored, T0.plusSeconds(14))).isTrue();
        assertThat(TransStore.leased(stored, T0.plusSeconds(16))).isFalse();
    }

    @Test
    void aLiveLeaseExcludesEveryOtherTakerUntilItExpiresOrIsReleased() {
        store.saveNew(dueAt("lq-2", TransStatus.SUBMITTED, T0.minusSeconds(1)), List.of());
        assertThat(store.acquire("lq-2", LEASE_A, T0, T0.plusSeconds(15))).isPresent();

        // another pass, a claim (even with a look-ahead past the lease), resets: all refused while the lease lives
        assertThat(store.acquire("lq-2", LEASE_B, T0.plusSeconds(5), T0.plusSeconds(20))).isEmpty();
        assertThat(store.claimDue(T0.plusSeconds(5), Duration.ofSeconds(60), RETRY_INTERVAL, LEASE_B, 10)).isEmpty();
        assertThat(store.resetNextCronTime("lq-2", T0.plusSeconds(5))).isFalse();
        assertThat(store.resetCronTime(T0.plusSeconds(5), Duration.ZERO, 10)).isEqualTo(new ResetResult(0, false));
        assertThat(find("lq-2").owner()).isEqualTo(LEASE_A);
        assertSameTime(find("lq-2").nextCronTime(), T0.plusSeconds(15));

        // an expired lease is free for anyone
        Optional<TransGlobal> taken = store.acquire("lq-2", LEASE_B, T0.plusSeconds(16), T0.plusSeconds(30));
        assertThat(taken).isPresent();
        assertThat(taken.get().owner()).isEqualTo(LEASE_B);
    }

    @Test
    void renewExtendsOnlyTheHoldersOwnLease() {
        store.saveNew(dueAt("lq-3", TransStatus.SUBMITTED, T0), List.of());
        assertThat(store.acquire("lq-3", LEASE_A, T0, T0.plusSeconds(10))).isPresent();

        assertThat(store.renew("lq-3", LEASE_A, T0.plusSeconds(25))).isTrue();
        assertSameTime(find("lq-3").nextCronTime(), T0.plusSeconds(25));
        assertThat(store.renew("lq-3", LEASE_B, T0.plusSeconds(99))).isFalse();
        assertSameTime(find("lq-3").nextCronTime(), T0.plusSeconds(25));

        // expired and taken over by B: A's renew fails, even after B released (owner '' is not A)
        assertThat(store.acquire("lq-3", LEASE_B, T0.plusSeconds(30), T0.plusSeconds(40))).isPresent();
        assertThat(store.renew("lq-3", LEASE_A, T0.plusSeconds(60))).isFalse();
        assertThat(store.release("lq-3", LEASE_B, 10, T0.plusSeconds(45), T0.plusSeconds(35))).isTrue();
        assertThat(store.renew("lq-3", LEASE_A, T0.plusSeconds(60))).isFalse();
        assertThat(find("lq-3").owner()).isEmpty();

        // a finished transaction cannot be renewed
        assertThat(store.acquire("lq-3", LEASE_A, T0.plusSeconds(50), T0.plusSeconds(60))).isPresent();
        store.changeStatus("lq-3", StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, T0.plusSeconds(51)));
        assertThat(store.renew("lq-3", LEASE_A, T0.plusSeconds(70))).isFalse();
        assertThat(store.renew("missing", LEASE_A, T0.plusSeconds(70))).isFalse();
    }

    @Test
    void releaseWritesTheScheduleAndFreesTheRowOnlyForTheHolder() {
        store.saveNew(dueAt("lq-4", TransStatus.SUBMITTED, T0), List.of());
        assertThat(store.acquire("lq-4", LEASE_A, T0, T0.plusSeconds(10))).isPresent();
        TransGlobal held = find("lq-4");

        assertThat(store.release("lq-4", LEASE_B, 40, T0.plusSeconds(40), T0.plusSeconds(2))).isFalse();
        assertThat(find("lq-4")).isEqualTo(held);

        assertThat(store.release("lq-4", LEASE_A, 20, T0.plusSeconds(24), T0.plusSeconds(4))).isTrue();
        TransGlobal released = find("lq-4");
        assertThat(released.owner()).isEmpty();
        assertThat(released.nextCronInterval()).isEqualTo(20);
        assertSameTime(released.nextCronTime(), T0.plusSeconds(24));
        assertSameTime(released.updateTime(), T0.plusSeconds(4));
        assertThat(TransStore.leased(released, T0)).isFalse();
        assertThat(store.release("lq-4", LEASE_A, 40, T0.plusSeconds(40), T0.plusSeconds(5))).isFalse();

        // released before its schedule: anyone may take it at once (a re-submit), the poller only when due
        assertThat(store.claimDue(T0.plusSeconds(5), Duration.ZERO, RETRY_INTERVAL, LEASE_B, 10)).isEmpty();
        assertThat(store.acquire("lq-4", LEASE_B, T0.plusSeconds(5), T0.plusSeconds(15))).isPresent();
    }

    @Test
    void acquireRefusesFinishedAndMissingRowsAndIgnoresForeignOwnerValues() {
        store.saveNew(dueAt("lq-5", TransStatus.SUCCEED, T0.plusSeconds(300)), List.of());
        assertThat(store.acquire("lq-5", LEASE_A, T0, T0.plusSeconds(10))).isEmpty();
        assertThat(store.acquire("missing", LEASE_A, T0, T0.plusSeconds(10))).isEmpty();

        // DTM's poller (and jdtm before leases) left random tokens in owner: they hold no lease
        TransGlobal legacy = new TransGlobal(0, "lq-6", TransType.SAGA, TransStatus.SUBMITTED, "", "http", T0, T0,
                null, null, "", "", TransOptions.NONE, "", 10, T0.plusSeconds(300), "9b1deb4d-3b7d-4bad", "");
        store.saveNew(legacy, List.of());
        assertThat(TransStore.leased(find("lq-6"), T0)).isFalse();
        assertThat(store.resetNextCronTime("lq-6", T0)).isTrue();
        assertThat(store.acquire("lq-6", LEASE_A, T0, T0.plusSeconds(10))).isPresent();
    }

    @Test
    void concurrentAcquiresOfOneRowLetExactlyOneWin() throws Exception {
        store.saveNew(dueAt("lq-7", TransStatus.SUBMITTED, T0), List.of());

        List<Outcome<Boolean>> results = concurrently(16, i -> () ->
                store.acquire("lq-7", TransStore.LEASE_PREFIX + "w" + i, T0, T0.plusSeconds(30)).isPresent());

        assertThat(results).allSatisfy(r -> assertThat(r.error()).isNull());
        assertThat(results.stream().filter(Outcome::value)).hasSize(1);
        int winner = 0;
        while (!results.get(winner).value()) {
            winner++;
        }
        assertThat(find("lq-7").owner()).isEqualTo(TransStore.LEASE_PREFIX + "w" + winner);
    }

    // ---- the poller's claim ----

    @Test
    void aDueRowIsClaimedOnceUntilItsLeaseExpires() {
        store.saveNew(dueAt("cl-1", TransStatus.SUBMITTED, T0.minusSeconds(1)), List.of());

        List<TransGlobal> first = store.claimDue(T0, Duration.ZERO, RETRY_INTERVAL, "owner-1", 10);
        assertThat(gids(first)).containsExactly("cl-1");
        assertThat(first.get(0).owner()).isEqualTo("owner-1");
        assertSameTime(first.get(0).nextCronTime(), T0.plus(RETRY_INTERVAL));
        TransGlobal stored = find("cl-1");
        assertThat(stored.owner()).isEqualTo("owner-1");
        assertSameTime(stored.nextCronTime(), T0.plus(RETRY_INTERVAL));
        assertThat(stored.status()).isEqualTo(TransStatus.SUBMITTED);

        assertThat(store.claimDue(T0, Duration.ZERO, RETRY_INTERVAL, "owner-2", 10)).isEmpty();
        assertThat(store.claimDue(T0.plusSeconds(9), Duration.ZERO, RETRY_INTERVAL, "owner-2", 10)).isEmpty();
        // At the lease's end the row is due again ("at or before").
        List<TransGlobal> again = store.claimDue(T0.plus(RETRY_INTERVAL), Duration.ZERO, RETRY_INTERVAL,
                "owner-2", 10);
        assertThat(gids(again)).containsExactly("cl-1");
        assertThat(find("cl-1").owner()).isEqualTo("owner-2");
    }

    @Test
    void claimLookaheadAsInDtmStoreTest() {
        // DTM's test: lock a due row; touch 3×RetryInterval ahead → a 2×RetryInterval look-ahead finds nothing;
        // touch 1×RetryInterval ahead → found; after succeed → never.
        store.saveNew(dueAt("la-1", TransStatus.SUBMITTED, T0), List.of());
        Duration lookahead = RETRY_INTERVAL.multipliedBy(2);
        assertThat(gids(store.claimDue(T0, Duration.ZERO, RETRY_INTERVAL, LEASE_A, 1))).containsExactly("la-1");

        assertThat(store.release("la-1", LEASE_A, 10, T0.plus(RETRY_INTERVAL.multipliedBy(3)), T0)).isTrue();
        assertThat(store.claimDue(T0, lookahead, RETRY_INTERVAL, LEASE_A, 1)).isEmpty();

        assertThat(gids(store.claimDue(T0.plus(RETRY_INTERVAL.multipliedBy(3)), Duration.ZERO, RETRY_INTERVAL,
                LEASE_A, 1))).containsExactly("la-1");
        assertThat(store.release("la-1", LEASE_A, 10, T0.plus(RETRY_INTERVAL), T0)).isTrue();
        assertThat(gids(store.claimDue(T0, lookahead, RETRY_INTERVAL, LEASE_A, 1))).containsExactly("la-1");

        store.changeStatus("la-1", StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, T0));
        assertThat(store.claimDue(T0.plus(Duration.ofDays(1)), Duration.ofDays(1), RETRY_INTERVAL, "o", 10))
                .isEmpty();
    }

    @Test
    void claimTakesOnlyUnfinishedDueRows() {
        store.saveNew(dueAt("due-prepared", TransStatus.PREPARED, T0.minusSeconds(3)), List.of());
        store.saveNew(dueAt("due-submitted", TransStatus.SUBMITTED, T0.minusSeconds(2)), List.of());
        store.saveNew(dueAt("due-aborting", TransStatus.ABORTING, T0.minusSeconds(1)), List.of());
        store.saveNew(dueAt("due-succeed", TransStatus.SUCCEED, T0.minusSeconds(5)), List.of());
        store.saveNew(dueAt("due-failed", TransStatus.FAILED, T0.minusSeconds(5)), List.of());
        store.saveNew(dueAt("later", TransStatus.SUBMITTED, T0.plusSeconds(60)), List.of());

        List<TransGlobal> claimed = store.claimDue(T0, Duration.ZERO, RETRY_INTERVAL, "o", 100);

        assertThat(gids(claimed)).containsExactly("due-prepared", "due-submitted", "due-aborting");
        assertThat(find("later").owner()).isEmpty();
        assertThat(find("due-succeed").owner()).isEmpty();
    }

    @Test
    void claimRespectsTheLimitOldestDueFirst() {
        int[] order = {3, 1, 4, 0, 2};
        for (int i : order) {
            store.saveNew(dueAt("lim-" + i, TransStatus.SUBMITTED, T0.minusSeconds(10 - i)), List.of());
        }

        assertThat(gids(store.claimDue(T0, Duration.ZERO, RETRY_INTERVAL, "o", 3)))
                .containsExactly("lim-0", "lim-1", "lim-2");
        assertThat(gids(store.claimDue(T0, Duration.ZERO, RETRY_INTERVAL, "o", 3)))
                .containsExactly("lim-3", "lim-4");
        assertThat(store.claimDue(T0, Duration.ZERO, RETRY_INTERVAL, "o", 3)).isEmpty();
    }

    @Test
    void concurrentClaimersGetEachDueRowExactlyOnce() throws Exception {
        int rows = 200;
        for (int i = 0; i < rows; i++) {
            store.saveNew(dueAt("cc-" + i, TransStatus.SUBMITTED, T0.minusSeconds(i % 7)), List.of());
        }

        List<Outcome<List<String>>> results = concurrently(16, t -> () -> {
            List<String> mine = new ArrayList<>();
            while (true) {
                List<TransGlobal> got = store.claimDue(T0, Duration.ZERO, Duration.ofMinutes(5), "w" + t, 7);
                if (got.isEmpty()) {
                    return mine;
                }
                got.forEach(g -> assertThat(g.owner()).isEqualTo("w" + t));
                mine.addAll(gids(got));
            }
        });

        List<String> all = new ArrayList<>();
        for (Outcome<List<String>> r : results) {
            assertThat(r.error()).isNull();
            all.addAll(r.value());
        }
        assertThat(all).hasSize(rows).doesNotHaveDuplicates();
        assertThat(new HashSet<>(all)).hasSize(rows);
    }

    @Test
    void resetCronTimeAsInDtmStoreTest() {
        // DTM's test: 10 rows due at +110 s and 1 at +90 s; ResetCronTime(after=100 s, limit=9) → 9, true.
        for (int i = 0; i < 10; i++) {
            store.saveNew(dueAt("rc-" + i, TransStatus.SUBMITTED, T0.plusSeconds(110)), List.of());
        }
        store.saveNew(dueAt("rc-90", TransStatus.ABORTING, T0.plusSeconds(90)), List.of());
        store.saveNew(dueAt("rc-done", TransStatus.SUCCEED, T0.plusSeconds(500)), List.of());

        assertThat(store.resetCronTime(T0, Duration.ofSeconds(100), 9)).isEqualTo(new ResetResult(9, true));
        List<TransGlobal> claimed = store.claimDue(T0, Duration.ofSeconds(2), RETRY_INTERVAL, "o", 100);
        assertThat(claimed).hasSize(9);
        assertThat(gids(claimed)).allMatch(g -> g.startsWith("rc-") && !g.equals("rc-90"));

        assertThat(store.resetCronTime(T0, Duration.ofSeconds(100), 10)).isEqualTo(new ResetResult(1, false));
        assertThat(store.resetCronTime(T0, Duration.ofSeconds(88), 10)).isEqualTo(new ResetResult(1, false));
        assertSameTime(find("rc-90").nextCronTime(), T0);
        assertThat(store.resetCronTime(T0, Duration.ofSeconds(88), 10)).isEqualTo(new ResetResult(0, false));
        assertSameTime(find("rc-done").nextCronTime(), T0.plusSeconds(500));
    }

    @Test
    void resetNextCronTimeSetsScheduleAndUpdateTimeWhateverTheStatus() {
        store.saveNew(dueAt("rn-1", TransStatus.SUBMITTED, T0.plusSeconds(300)), List.of());
        store.saveNew(dueAt("rn-2", TransStatus.SUCCEED, T0.plusSeconds(300)), List.of());
        Instant now = T0.plusSeconds(7);

        assertThat(store.resetNextCronTime("rn-1", now)).isTrue();
        assertThat(store.resetNextCronTime("rn-2", now)).isTrue();

        for (String gid : List.of("rn-1", "rn-2")) {
            TransGlobal g = find(gid);
            assertSameTime(g.nextCronTime(), now);
            assertSameTime(g.updateTime(), now);
            assertThat(g.nextCronTime()).isEqualTo(g.updateTime());
        }
        assertThatThrownBy(() -> store.resetNextCronTime("missing", now)).isInstanceOf(NotFoundException.class);
    }

    // ---- listing ----

    @Test
    void scanGlobalsPagesThroughEveryRowOnce() {
        List<String> saved = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            store.saveNew(newGlobal("sc-" + i, TransStatus.SUBMITTED, T0.plusSeconds(i)), List.of());
            saved.add("sc-" + i);
        }

        List<String> seen = new ArrayList<>();
        String position = "";
        int pages = 0;
        while (true) {
            Page<TransGlobal> page = store.scanGlobals(new ScanQuery(position, 1, null, null, null, null));
            pages++;
            assertThat(page.items()).hasSizeLessThanOrEqualTo(1);
            seen.addAll(gids(page.items()));
            if (page.next().isEmpty()) {
                break;
            }
            assertThat(page.next()).as("cursor moves on").isNotEqualTo(position);
            position = page.next();
            assertThat(pages).as("pages").isLessThan(20);
        }
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(saved);
        if (scansNewestFirst()) {
            List<String> newestFirst = new ArrayList<>(saved);
            Collections.reverse(newestFirst);
            assertThat(seen).containsExactlyElementsOf(newestFirst);
        }

        Page<TransGlobal> firstThree = store.scanGlobals(ScanQuery.first(3));
        assertThat(firstThree.items()).hasSize(3);
        assertThat(firstThree.next()).isNotEmpty();
        Page<TransGlobal> rest = store.scanGlobals(new ScanQuery(firstThree.next(), 1000, null, null, null, null));
        assertThat(rest.items()).hasSize(4);
        assertThat(rest.next()).isEmpty();
    }

    @Test
    void scanGlobalsFiltersByStatusTypeAndInclusiveCreateTime() {
        // Whole seconds: the API truncates its time filters to seconds, and SQL engines store seconds.
        Instant t = T0.truncatedTo(ChronoUnit.SECONDS);
        store.saveNew(newGlobal("f-saga", TransStatus.SUCCEED, t), List.of());
        store.saveNew(new TransGlobal(0, "f-msg", TransType.MSG, TransStatus.SUCCEED, "", "http", t, t, null,
                null, "", "", null, "", 10, t, "", ""), List.of());
        store.saveNew(new TransGlobal(0, "f-msg-open", TransType.MSG, TransStatus.SUBMITTED, "", "http", t, t,
                null, null, "", "", null, "", 10, t, "", ""), List.of());
        store.saveNew(new TransGlobal(0, "f-msg-late", TransType.MSG, TransStatus.SUCCEED, "", "http",
                t.plusSeconds(100), t, null, null, "", "", null, "", 10, t, "", ""), List.of());
        store.saveNew(new TransGlobal(0, "f-msg-early", TransType.MSG, TransStatus.SUCCEED, "", "http",
                t.minusSeconds(100), t, null, null, "", "", null, "", 10, t, "", ""), List.of());

        Page<TransGlobal> window = store.scanGlobals(new ScanQuery("", 100, TransStatus.SUCCEED, TransType.MSG,
                t.minusSeconds(10), t.plusSeconds(10)));
        assertThat(gids(window.items())).containsExactly("f-msg");
        assertThat(window.next()).isEmpty();

        Page<TransGlobal> exact = store.scanGlobals(new ScanQuery("", 100, TransStatus.SUCCEED, TransType.MSG, t, t));
        assertThat(gids(exact.items())).as("bounds are inclusive").containsExactly("f-msg");

        Page<TransGlobal> msgs = store.scanGlobals(new ScanQuery("", 100, null, TransType.MSG, null, null));
        assertThat(gids(msgs.items())).containsExactlyInAnyOrder("f-msg", "f-msg-open", "f-msg-late",
                "f-msg-early");

        Page<TransGlobal> past = store.scanGlobals(new ScanQuery("", 100, TransStatus.SUCCEED, TransType.MSG,
                t.minusSeconds(600), t.minusSeconds(300)));
        assertThat(past.items()).isEmpty();
        assertThat(past.next()).isEmpty();
    }

    // ---- retention ----

    @Test
    void deleteFinishedBeforeRemovesOnlyOldFinishedRowsWithTheirBranchesInBatches() {
        Instant old = T0.minusSeconds(1000);
        List<String> oldFinished = List.of("old-s1", "old-s2", "old-s3", "old-f1", "old-f2");
        for (String gid : oldFinished) {
            TransStatus s = gid.startsWith("old-s") ? TransStatus.SUCCEED : TransStatus.FAILED;
            store.saveNew(newGlobal(gid, s, old), sagaStep(gid, 1, old));
        }
        store.saveNew(newGlobal("old-open", TransStatus.SUBMITTED, old), sagaStep("old-open", 1, old));
        store.saveNew(newGlobal("new-done", TransStatus.SUCCEED, T0), sagaStep("new-done", 1, T0));
        Instant cutoff = T0.minusSeconds(10);

        assertThat(store.deleteFinishedBefore(cutoff, 2)).isEqualTo(2);
        assertThat(store.deleteFinishedBefore(cutoff, 2)).isEqualTo(2);
        assertThat(store.deleteFinishedBefore(cutoff, 2)).isEqualTo(1);
        assertThat(store.deleteFinishedBefore(cutoff, 2)).isZero();

        for (String gid : oldFinished) {
            assertThat(store.findGlobal(gid)).as(gid).isEmpty();
            assertThat(store.findBranches(gid)).as(gid).isEmpty();
        }
        assertThat(store.findGlobal("old-open")).isPresent();
        assertThat(store.findBranches("old-open")).hasSize(2);
        assertThat(store.findGlobal("new-done")).isPresent();
        assertThat(store.findBranches("new-done")).hasSize(2);
    }

    // ---- kv ----

    @Test
    void kvCreateFindAndDuplicate() {
        store.createKv("topics", "t1", "[{\"url\":\"http://a\"}]", T0);
        store.createKv("topics", "t2", "[]", T0);
        store.createKv("other", "t1", "x", T0);

        List<KvRow> t1 = store.findKv("topics", "t1");
        assertThat(t1).hasSize(1);
        KvRow row = t1.get(0);
        assertThat(row.id()).isPositive();
        assertThat(row.cat()).isEqualTo("topics");
        assertThat(row.k()).isEqualTo("t1");
        assertThat(row.v()).isEqualTo("[{\"url\":\"http://a\"}]");
        assertThat(row.version()).isEqualTo(1);
        assertSameTime(row.createTime(), T0);
        assertSameTime(row.updateTime(), T0);

        assertThatThrownBy(() -> store.createKv("topics", "t1", "again", T0))
                .isInstanceOf(UniqueConflictException.class);
        assertThat(store.findKv("topics", "t1").get(0).v()).isEqualTo("[{\"url\":\"http://a\"}]");

        assertThat(store.findKv("topics", "missing")).isEmpty();
        assertThat(store.findKv("topics", "")).extracting(KvRow::k).containsExactlyInAnyOrder("t1", "t2");
        assertThat(store.findKv("", "t1")).extracting(KvRow::cat).containsExactlyInAnyOrder("topics", "other");
    }

    @Test
    void kvScanPagesOneCategory() {
        for (int i = 0; i < 5; i++) {
            store.createKv("topics", "k" + i, "v" + i, T0);
        }
        store.createKv("topicsx", "k9", "v", T0);
        store.createKv("", "k8", "v", T0);

        List<String> seen = new ArrayList<>();
        String position = "";
        int pages = 0;
        while (true) {
            Page<KvRow> page = store.scanKv("topics", position, 2);
            pages++;
            page.items().forEach(r -> assertThat(r.cat()).isEqualTo("topics"));
            seen.addAll(page.items().stream().map(KvRow::k).toList());
            if (page.next().isEmpty()) {
                assertThat(page.items()).hasSizeLessThan(2);
                break;
            }
            position = page.next();
            assertThat(pages).isLessThan(20);
        }
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4");
        if (scansNewestFirst()) {
            assertThat(seen).containsExactly("k4", "k3", "k2", "k1", "k0");
        }
        assertThat(store.scanKv("", "", 10).items()).extracting(KvRow::k).containsExactly("k8");
    }

    @Test
    void kvUpdateIsACompareAndSetOnTheVersion() {
        store.createKv("topics", "t", "v1", T0);
        KvRow v1 = store.findKv("topics", "t").get(0);

        store.updateKv(v1, "v2", T0.plusSeconds(1));
        KvRow v2 = store.findKv("topics", "t").get(0);
        assertThat(v2.v()).isEqualTo("v2");
        assertThat(v2.version()).isEqualTo(2);
        assertSameTime(v2.updateTime(), T0.plusSeconds(1));
        assertSameTime(v2.createTime(), T0);

        assertThatThrownBy(() -> store.updateKv(v1, "stale", T0.plusSeconds(2)))
                .isInstanceOf(NotFoundException.class);
        assertThat(store.findKv("topics", "t").get(0).v()).isEqualTo("v2");

        store.updateKv(v2, "v3", T0.plusSeconds(3));
        assertThat(store.findKv("topics", "t").get(0).version()).isEqualTo(3);

        store.deleteKv("topics", "t");
        assertThat(store.findKv("topics", "t")).isEmpty();
        assertThatThrownBy(() -> store.updateKv(v2, "after delete", T0)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void kvDeleteOfAMissingRowIsNotFound() {
        assertThatThrownBy(() -> store.deleteKv("topics", "missing")).isInstanceOf(NotFoundException.class);
        store.createKv("topics", "t", "v", T0);

        store.deleteKv("topics", "t");

        assertThat(store.findKv("topics", "t")).isEmpty();
        assertThatThrownBy(() -> store.deleteKv("topics", "t")).isInstanceOf(NotFoundException.class);
    }

    // ---- lifecycle ----

    @Test
    void pingAnswersAndResetEmptiesTheStore() {
        store.ping();
        store.saveNew(newGlobal("rs-1", TransStatus.SUBMITTED, T0), sagaStep("rs-1", 1, T0));
        store.createKv("topics", "t", "v", T0);

        store.reset();

        assertThat(store.findGlobal("rs-1")).isEmpty();
        assertThat(store.findBranches("rs-1")).isEmpty();
        assertThat(store.findKv("", "")).isEmpty();
        assertThat(store.scanGlobals(ScanQuery.first(10)).items()).isEmpty();
        // Usable again after a reset.
        store.saveNew(newGlobal("rs-1", TransStatus.SUBMITTED, T0), List.of());
        assertThat(store.findGlobal("rs-1")).isPresent();
        assertThat(store.name()).isNotBlank();
    }

    /** Gids are strings of the caller's choosing; make sure nothing treats them as patterns. */
    @Test
    void gidsWithSqlAndPatternCharactersAreJustStrings() {
        Set<String> odd = Set.of("a'b", "50%_off", "x;DROP TABLE trans_global;--", "ünï-çødé");
        for (String gid : odd) {
            store.saveNew(newGlobal(gid, TransStatus.SUBMITTED, T0), List.of(branch(gid, "01", "action", T0)));
        }
        for (String gid : odd) {
            assertThat(find(gid).gid()).isEqualTo(gid);
            assertThat(store.findBranches(gid)).hasSize(1);
        }
        assertThat(store.findGlobal("50%")).isEmpty();
    }

    // ---- attempt history ----

    private static Attempt attempt(String gid, String branchId, String op, Instant start, io.jdtm.protocol.Outcome o, String answer) {
        return new Attempt(gid, branchId, op, 0, start, 12, o, o == io.jdtm.protocol.Outcome.ERROR ? "" : "409", answer,
                o == io.jdtm.protocol.Outcome.SUCCESS ? null : start.plusSeconds(20), o == io.jdtm.protocol.Outcome.SUCCESS ? 0 : 20);
    }

    @Test
    void attemptsAreRecordedInOrderAndNumberedPerBranchAndOp() {
        store.saveNew(newGlobal("at-1", TransStatus.SUBMITTED, T0), sagaStep("at-1", 1, T0));
        store.saveNew(newGlobal("at-2", TransStatus.SUBMITTED, T0), sagaStep("at-2", 1, T0));

        store.recordAttempts(List.of(
                attempt("at-1", "01", "action", T0, io.jdtm.protocol.Outcome.ERROR, "connection refused"),
                attempt("at-2", "01", "action", T0, io.jdtm.protocol.Outcome.SUCCESS, "status 200: {}")));
        store.recordAttempts(List.of(
                attempt("at-1", "01", "action", T0.plusSeconds(20), io.jdtm.protocol.Outcome.FAILURE, "status 409: {\"dtm_result\":\"FAILURE\"}"),
                attempt("at-1", "01", "compensate", T0.plusSeconds(21), io.jdtm.protocol.Outcome.SUCCESS, "status 200: ok")));

        List<Attempt> a = store.findAttempts("at-1");
        assertThat(a).extracting(x -> x.branchId() + "/" + x.op() + "#" + x.attempt() + ":" + x.outcome())
                .containsExactly("01/action#1:ERROR", "01/action#2:FAILURE", "01/compensate#1:SUCCESS");
        Attempt first = a.get(0);
        assertThat(first.gid()).isEqualTo("at-1");
        assertThat(first.start()).isEqualTo(T0); // milliseconds kept on every engine
        assertThat(first.latencyMillis()).isEqualTo(12);
        assertThat(first.code()).isEmpty();
        assertThat(first.answer()).isEqualTo("connection refused");
        assertThat(first.nextTry()).isEqualTo(T0.plusSeconds(20));
        assertThat(first.intervalSeconds()).isEqualTo(20);
        assertThat(a.get(1).code()).isEqualTo("409");
        assertThat(a.get(1).answer()).isEqualTo("status 409: {\"dtm_result\":\"FAILURE\"}");
        assertThat(a.get(2).nextTry()).isNull();
        assertThat(a.get(2).intervalSeconds()).isZero();
        assertThat(store.findAttempts("at-2")).extracting(Attempt::attempt).containsExactly(1);
        assertThat(store.findAttempts("no-such-gid")).isEmpty();
    }

    @Test
    void attemptAnswersAreBoundedToOneKilobyteOfUtf8() {
        store.saveNew(newGlobal("at-big", TransStatus.SUBMITTED, T0), sagaStep("at-big", 1, T0));
        String huge = "é".repeat(5000) + "<script>alert(1)</script>";

        store.recordAttempts(List.of(attempt("at-big", "01", "action", T0, io.jdtm.protocol.Outcome.ERROR, huge),
                attempt("at-big", "01", "action", T0, io.jdtm.protocol.Outcome.ERROR, "nul\0inside")));

        List<Attempt> a = store.findAttempts("at-big");
        assertThat(a.get(0).answer().getBytes(UTF_8).length).isLessThanOrEqualTo(Attempt.MAX_ANSWER_BYTES)
                .isGreaterThan(Attempt.MAX_ANSWER_BYTES - 4);
        assertThat(a.get(0).answer()).isEqualTo("é".repeat(512));
        assertThat(a.get(1).answer()).isEqualTo("nul\uFFFDinside");
    }

    @Test
    void attemptsOfAMissingTransactionAreDropped() {
        store.saveNew(newGlobal("at-real", TransStatus.SUBMITTED, T0), sagaStep("at-real", 1, T0));

        // one list (one JDBC batch on the SQL engines): the missing gid's row is left out, the others stay
        store.recordAttempts(List.of(attempt("at-real", "01", "action", T0, io.jdtm.protocol.Outcome.ERROR, "a"),
                attempt("at-ghost", "01", "action", T0, io.jdtm.protocol.Outcome.ERROR, "x"),
                attempt("at-real", "01", "action", T0, io.jdtm.protocol.Outcome.SUCCESS, "b")));

        assertThat(store.findAttempts("at-ghost")).isEmpty();
        assertThat(store.findAttempts("at-real")).extracting(Attempt::answer).containsExactly("a", "b");
    }

    @Test
    void attemptsAreDeletedWithTheirTransactionByRetentionAndReset() {
        Instant old = T0.minusSeconds(1000);
        store.saveNew(newGlobal("at-old", TransStatus.SUCCEED, old), sagaStep("at-old", 1, old));
        store.saveNew(newGlobal("at-open", TransStatus.SUBMITTED, old), sagaStep("at-open", 1, old));
        store.recordAttempts(List.of(attempt("at-old", "01", "action", old, io.jdtm.protocol.Outcome.SUCCESS, "ok"),
                attempt("at-open", "01", "action", old, io.jdtm.protocol.Outcome.ERROR, "down")));

        assertThat(store.deleteFinishedBefore(T0.minusSeconds(10), 10)).isEqualTo(1);

        assertThat(store.findAttempts("at-old")).isEmpty();
        assertThat(store.findAttempts("at-open")).hasSize(1);
        // a transaction stored again under a deleted gid starts its history afresh
        store.saveNew(newGlobal("at-old", TransStatus.SUBMITTED, T0), sagaStep("at-old", 1, T0));
        store.recordAttempts(List.of(attempt("at-old", "01", "action", T0, io.jdtm.protocol.Outcome.ERROR, "again")));
        assertThat(store.findAttempts("at-old")).extracting(Attempt::attempt, Attempt::answer)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "again"));

        store.reset();

        assertThat(store.findAttempts("at-open")).isEmpty();
        assertThat(store.findAttempts("at-old")).isEmpty();
    }

    // ---- the operator's filters and counts ----

    @Test
    void scanFiltersByGidPrefixAndStuckAndCountsByStatus() {
        store.saveNew(newGlobal("op-a1", TransStatus.SUCCEED, T0), List.of());
        store.saveNew(newGlobal("op-a2", TransStatus.SUBMITTED, T0).withSchedule(80, T0.plusSeconds(80), T0),
                List.of());
        store.saveNew(newGlobal("op-a3", TransStatus.ABORTING, T0).withSchedule(20, T0.plusSeconds(20), T0),
                List.of());
        store.saveNew(newGlobal("op-A4", TransStatus.SUBMITTED, T0).withSchedule(160, T0.plusSeconds(9), T0),
                List.of());
        store.saveNew(newGlobal("op-b1", TransStatus.FAILED, T0).withSchedule(640, T0.plusSeconds(9), T0),
                List.of());
        store.saveNew(newGlobal("op%_x", TransStatus.PREPARED, T0), List.of());

        java.util.function.Function<ScanQuery, List<String>> gids =
                q -> store.scanGlobals(q).items().stream().map(TransGlobal::gid).sorted().toList();
        assertThat(gids.apply(new ScanQuery("", 100, null, null, null, null, "op-a", -1)))
                .containsExactly("op-a1", "op-a2", "op-a3");
        assertThat(gids.apply(new ScanQuery("", 100, null, null, null, null, "op%", -1))).containsExactly("op%_x");
        // stuck: unfinished with an interval of at least 40 s; a finished row never is
        assertThat(gids.apply(new ScanQuery("", 100, null, null, null, null, "", 40)))
                .containsExactly("op-A4", "op-a2");
        assertThat(gids.apply(new ScanQuery("", 100, null, null, null, null, "", 0)))
                .as("unfinished").containsExactly("op%_x", "op-A4", "op-a2", "op-a3");
        assertThat(gids.apply(new ScanQuery("", 100, TransStatus.SUBMITTED, null, null, null, "op-a", 40)))
                .containsExactly("op-a2");

        Map<TransStatus, Long> counts = store.countByStatus();
        assertThat(counts).containsEntry(TransStatus.SUCCEED, 1L).containsEntry(TransStatus.SUBMITTED, 2L)
                .containsEntry(TransStatus.ABORTING, 1L).containsEntry(TransStatus.FAILED, 1L)
                .containsEntry(TransStatus.PREPARED, 1L);
    }
}
