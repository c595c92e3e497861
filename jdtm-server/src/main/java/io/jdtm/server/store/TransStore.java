package io.jdtm.server.store;

import io.jdtm.protocol.TransStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The storage contract every engine satisfies (spec §10.2). Every method is thread-safe and may be called by many
 * virtual threads at once. Every mutating method returns only after its change is durable (for the embedded
 * engine: fsynced; for server engines: committed). Every change of a global status is a compare-and-set on the
 * stored status, so several TM instances can share one store.
 *
 * <p>Times are passed in by the caller (the server's clock) so engines never read the wall clock themselves,
 * except where noted.
 */
public interface TransStore extends AutoCloseable {

    /** Short engine name for logs and metrics, e.g. {@code sqlite}, {@code postgres}. */
    String name();

    /** Throws {@link StoreException} when the store is not reachable. */
    void ping();

    /**
     * The write path's counters, read when {@code /api/metrics} is scraped; empty for an engine without a group
     * commit (Redis: every change is one script call).
     */
    default Optional<WriterStats> writerStats() {
        return Optional.empty();
    }

    /** Drops and recreates all of jdtm's data (the {@code -r} flag). Tests use it too. */
    void reset();

    Optional<TransGlobal> findGlobal(String gid);

    /** All branch rows of a transaction in insertion order; empty when there are none or the gid is unknown. */
    List<TransBranch> findBranches(String gid);

    /**
     * The branch rows of several transactions, each list as {@link #findBranches(String)} gives it; a gid without
     * rows maps to an empty list. The poller reads the branches of a claim's transactions with it in one go.
     */
    default Map<String, List<TransBranch>> findBranches(Collection<String> gids) {
        Map<String, List<TransBranch>> out = new HashMap<>();
        for (String gid : gids) {
            out.put(gid, findBranches(gid));
        }
        return out;
    }

    /**
     * One page of transactions for the {@code all} listing, in the engine's order (newest first for SQL engines),
     * with the cursor of the next page.
     */
    Page<TransGlobal> scanGlobals(ScanQuery query);

    /**
     * Atomically inserts a new global row and its branch rows. Returns the stored global (with its id).
     *
     * @throws UniqueConflictException when the gid exists; nothing is written then
     */
    TransGlobal saveNew(TransGlobal global, List<TransBranch> branches);

    /**
     * Atomically checks that the global row exists with exactly {@code expected} status and appends new branch
     * rows (registerBranch, workflow progress).
     *
     * @throws NotFoundException when the gid is missing or its status differs
     * @throws UniqueConflictException when one of the (branch_id, op) pairs exists; nothing is written then
     */
    void appendBranches(String gid, TransStatus expected, List<TransBranch> branches);

    /**
     * Writes the status, update_time and finish_time of existing branch rows, matched by (gid, branch_id, op),
     * provided the global status is still {@code expectedGlobal}.
     *
     * @throws NotFoundException when the global row is missing or its status differs
     */
    void updateBranches(String gid, TransStatus expectedGlobal, List<TransBranch> branches);

    /**
     * Compare-and-set of the global status; see {@link StatusChange} for the columns written.
     *
     * @return the stored row after the change
     * @throws NotFoundException when the gid is missing or its status is not {@code change.from()}
     */
    TransGlobal changeStatus(String gid, StatusChange change);

    /**
     * {@link #changeStatus(String, StatusChange)} that also writes the status, update_time and finish_time of
     * existing branch rows, as {@link #updateBranches} does: the branch statuses a pass deferred
     * ({@code UpdateBranchSync: 0}). Engines write both in one atomic change; this default makes two writes,
     * branches first (a crash between them leaves branch statuses without the status change, which a later pass
     * makes).
     *
     * @throws NotFoundException when the gid is missing or its status is not {@code change.from()}; then nothing
     *         is written
     */
    default TransGlobal changeStatus(String gid, StatusChange change, List<TransBranch> branches) {
        if (!branches.isEmpty()) {
            updateBranches(gid, change.from(), branches);
        }
        return changeStatus(gid, change);
    }

    /**
     * The prefix of every {@code owner} value that holds a lease: a pass (or a poller claim) owns the transaction
     * while {@code owner} starts with this prefix and {@code next_cron_time} is after now. Any other owner value
     * (empty, DTM's own poller tokens, claims of jdtm before 0.2) holds no lease.
     */
    String LEASE_PREFIX = "lease:";

    /**
     * Engines check every lease owner they are given: acquired under another value the row would hold no lease,
     * and a renew or release with {@code ''} would match every row nobody owns.
     *
     * @throws IllegalArgumentException when {@code owner} does not start with {@link #LEASE_PREFIX}
     */
    static void requireLeaseOwner(String owner) {
        if (owner == null || !owner.startsWith(LEASE_PREFIX)) {
            throw new IllegalArgumentException("lease owner '" + owner + "' must start with '" + LEASE_PREFIX + "'");
        }
    }

    /** Whether {@code g} is under a live lease at {@code now}, held by anyone. */
    static boolean leased(TransGlobal g, Instant now) {
        return g.owner().startsWith(LEASE_PREFIX) && g.nextCronTime() != null && g.nextCronTime().isAfter(now);
    }

    /**
     * Takes the lease of one unfinished transaction for a pass: sets {@code owner} and {@code next_cron_time =
     * until} provided the status is prepared, submitted or aborting and nobody holds a live lease on it (see
     * {@link #leased}). One atomic conditional write.
     *
     * @param owner a value starting with {@link #LEASE_PREFIX}, unique to the pass
     * @return the stored row after the change; empty when the gid is missing, finished or leased by a live pass
     */
    Optional<TransGlobal> acquire(String gid, String owner, Instant now, Instant until);

    /**
     * Extends a lease the caller holds: sets {@code next_cron_time = until} where {@code owner} is exactly
     * {@code owner} and the status is unfinished.
     *
     * @return false when the lease was lost (another owner took the transaction, or it finished or is gone): the
     *         caller must stop driving the transaction at once
     */
    boolean renew(String gid, String owner, Instant until);

    /**
     * Ends a pass: sets {@code owner = ''}, {@code next_cron_interval}, {@code next_cron_time} (the retry schedule
     * the pass decided) and {@code update_time} where {@code owner} is exactly {@code owner}; whatever the status.
     *
     * @return false (and nothing written) when the caller no longer held the lease
     */
    boolean release(String gid, String owner, long intervalSeconds, Instant nextCronTime, Instant now);

    /**
     * Claims up to {@code limit} unfinished transactions (status prepared, submitted or aborting) whose
     * next_cron_time is at or before {@code now + lookahead}: atomically moves each one's next_cron_time to
     * {@code now + lease} and sets its owner to {@code owner}, so no other claimer (in this or another process)
     * gets it until the lease expires. A row under another live lease (see {@link #leased}) is never claimed, even
     * when it falls inside the look-ahead. Returns the claimed rows as stored after the claim, oldest due first.
     *
     * @param owner a value starting with {@link #LEASE_PREFIX}: the claim is the lease of the pass that follows
     */
    List<TransGlobal> claimDue(Instant now, Duration lookahead, Duration lease, String owner, int limit);

    /**
     * Pulls back transactions that backed off far into the future: sets next_cron_time = now for up to
     * {@code limit} unfinished transactions whose next_cron_time is after {@code now + after} and that are not under
     * a live lease.
     */
    ResetResult resetCronTime(Instant now, Duration after, int limit);

    /**
     * Sets next_cron_time = update_time = now for the gid, whatever its status, unless a pass holds a live lease
     * on it (it is being driven at this moment; moving its next_cron_time would end the lease early).
     *
     * @return false when nothing changed because of a live lease
     * @throws NotFoundException when the gid is missing
     */
    boolean resetNextCronTime(String gid, Instant now);

    /**
     * Retention: deletes up to {@code limit} finished (succeed or failed) transactions, with their branches, whose
     * update_time is before {@code cutoff}. Returns how many transactions were deleted.
     */
    int deleteFinishedBefore(Instant cutoff, int limit);

    // ---- KV (topics) ----

    /** Rows matching the non-empty filters, in id order. */
    List<KvRow> findKv(String cat, String key);

    /** One page of the rows of exactly category {@code cat}, with the next cursor (same rules as scanGlobals). */
    Page<KvRow> scanKv(String cat, String position, int limit);

    /**
     * Inserts with version 1.
     *
     * @throws UniqueConflictException when (cat, key) exists
     */
    void createKv(String cat, String key, String value, Instant now);

    /**
     * Sets {@code v} and version = old version + 1 where id and version match {@code row}.
     *
     * @throws NotFoundException when the row is gone or its version moved on
     */
    void updateKv(KvRow row, String newValue, Instant now);

    /** @throws NotFoundException when there is no such row */
    void deleteKv(String cat, String key);

    /**
     * How many transactions are stored per status (every status present, 0 when none), for the admin UI's live
     * counts. SQL engines count with one {@code GROUP BY}; Redis reads every status key (linear in the stored rows).
     */
    Map<TransStatus, Long> countByStatus();

    // ---- attempt history (docs/storage.md, "Attempt history") ----

    /**
     * Appends branch-call attempts to the history of their transactions, in list order, numbering each one (1 +
     * the attempts stored before for the same gid, branch_id and op). An attempt of a transaction that is no longer
     * stored may be dropped. Called by one writer per server ({@link AttemptWriter}), never on a transaction's
     * path.
     */
    void recordAttempts(List<Attempt> attempts);

    /**
     * The attempt history of a transaction, oldest first (as recorded); empty when there is none or the gid is
     * unknown. Deleted with the transaction (retention, {@link #reset}).
     */
    List<Attempt> findAttempts(String gid);

    @Override
    void close();
}
