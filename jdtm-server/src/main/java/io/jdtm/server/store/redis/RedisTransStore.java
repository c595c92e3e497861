package io.jdtm.server.store.redis;

import io.jdtm.protocol.TransStatus;
import io.jdtm.server.config.StoreConfig;
import io.jdtm.server.store.Attempt;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.Page;
import io.jdtm.server.store.ResetResult;
import io.jdtm.server.store.ScanQuery;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.UniqueConflictException;
import io.jdtm.server.store.redis.RedisShards.Shard;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis engine ({@code Store.Driver} {@code redis}), with DTM's key layout (spec §10.3) under
 * {@code Store.RedisPrefix} (default {@code {a}}, a hash tag that keeps every key in one cluster slot):
 * {@code <p>_g_<gid>} global JSON, {@code <p>_b_<gid>} list of branch JSON, {@code <p>_s_<gid>} status,
 * {@code <p>_u} poll index (gid scored by next_cron_time in unix seconds), {@code <p>_kv_<cat>_<key>} KV JSON.
 * jdtm adds {@code <p>_a} (gid scored by id: the listing index, so pages never repeat or skip rows, unlike DTM's
 * SCAN paging, PR 425), {@code <p>_f} (finished gids scored by update time in ms: the retention index),
 * {@code <p>_kvi_<cat>} and {@code <p>_kvc} (KV listing indexes) and the id counters {@code <p>_seq_g},
 * {@code <p>_seq_b}, {@code <p>_seq_kv}, and the attempt history: {@code <p>_at_<gid>} (list of attempt JSON, the
 * newest {@value #MAX_ATTEMPTS}) and {@code <p>_an_<gid>} (hash of attempt counters per branch_id and op).
 *
 * <p><b>Atomicity.</b> Every change that touches more than one key, or checks before it writes, is one Lua script
 * (EVALSHA), so it is atomic; status changes compare-and-set on {@code <p>_s_<gid>}; the poller claim re-scores
 * due members of {@code <p>_u} inside one script, so two TM processes never claim the same row within a lease.
 *
 * <p><b>Leases.</b> A lease (acquire, renew, claim) writes owner and next_cron_time into the global JSON and moves
 * the row's {@code <p>_u} score to the lease's end in the same script, so the index never offers a leased row as
 * due. Whether a lease is live is decided on the JSON (its owner and next_cron_time), as {@link TransStore#leased}
 * does.
 *
 * <p><b>Durability.</b> A method returns when Redis acknowledged the script; whether that survives a Redis crash
 * is Redis's persistence setting ({@code appendonly yes}, {@code appendfsync always|everysec}), whether it
 * survives a failover to a replica is {@code Store.RedisWaitReplicas} (docs/storage.md, "Durability on failover").
 *
 * <p><b>Retention.</b> Rows expire after {@code Store.DataExpire} seconds (refreshed on each write) and after
 * {@code Store.FinishedDataExpire} once finished; 0 disables the expiry. {@link #deleteFinishedBefore} deletes
 * finished rows (and the index entries of expired ones) through the retention index.
 *
 * <p><b>Outages.</b> Commands fail fast while Redis is unreachable ({@link StoreUnavailableException}): a command
 * waits at most {@link RedisLink#COMMAND_TIMEOUT}, commands issued while disconnected are rejected at once (on a
 * cluster they wait for the timeout), and commands in flight when the connection drops fail instead of being re-sent
 * after the reconnect (a write may or may not have been applied; its caller was told it failed). The connection
 * reconnects by itself, retrying at least every {@link RedisLink#MAX_RECONNECT_DELAY}.
 *
 * <p><b>Redis Cluster.</b> With {@code Store.RedisCluster: true} or several hosts in {@code Store.Host}, the same
 * layout is kept in {@value RedisShards#CLUSTER_SHARDS} shards, each under a prefix that is a hash tag of its own
 * ({@link RedisShards}): a transaction lives in the shard of its gid together with the index entries that point at
 * it, so every script still touches one slot. Work that spans transactions walks every shard: the claim takes the
 * oldest due rows over all shards, the listing merges the shards' pages by id (unique across shards), the reset,
 * retention and counts visit each shard. {@code Store.RedisWaitReplicas} makes every write wait for replica
 * acknowledgements ({@link RedisLink#awaitReplicas}).
 *
 * <p>Thread-safe: one multiplexed Lettuce connection (per node) serves every caller.
 */
public final class RedisTransStore implements TransStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisTransStore.class);
    private static final int SCAN_BATCH = 100;
    /** Attempts kept per transaction (the newest); older ones are trimmed. */
    static final int MAX_ATTEMPTS = 1000;
    /**
     * How many rows under a live lease one claim or reset walks past before it gives up. Such rows are the passes
     * in flight, met only by a look-ahead or a reset: each costs the script a GET and a decode, so this bounds the
     * script's run time (Redis serves nobody else meanwhile) while still reaching the free rows behind a normal crowd.
     */
    static final int LEASED_SKIPS = 1000;

    private final RedisLink link;
    private final RedisClusterCommands<String, String> redis;
    private final RedisShards shards;
    private final long dataExpire;
    private final long finishedExpire;
    private final String description;
    /** Where the next walk over the shards starts, so no shard is always served last. */
    private final AtomicInteger nextShard = new AtomicInteger();

    private RedisTransStore(RedisLink link, RedisShards shards, long dataExpire, long finishedExpire,
            String description) {
        this.link = link;
        this.redis = link.sync();
        this.shards = shards;
        this.dataExpire = dataExpire;
        this.finishedExpire = finishedExpire;
        this.description = description;
    }

    /**
     * Connects to {@code Store.Host:Store.Port} (with {@code Store.User}/{@code Store.Password} when set), or to the
     * Redis Cluster whose seed nodes {@code Store.Host} names (see {@link RedisLink#open}).
     *
     * @throws IllegalArgumentException when the host or port is missing, or a cluster prefix is empty without braces
     * @throws StoreUnavailableException when Redis cannot be reached or is still loading: the same call may
     *         succeed later
     * @throws StoreException when Redis refused the connection (credentials)
     */
    public static RedisTransStore open(StoreConfig cfg) {
        Objects.requireNonNull(cfg, "cfg");
        String host = cfg.host() == null ? "" : cfg.host().strip();
        if (host.isEmpty() || cfg.port() <= 0) {
            throw new IllegalArgumentException("Store.Host and Store.Port are required for redis");
        }
        String prefix = cfg.redisPrefix() == null || cfg.redisPrefix().isEmpty() ? "{a}" : cfg.redisPrefix();
        boolean cluster = cfg.isRedisCluster();
        if (cluster && RedisShards.clusterPrefix(prefix).isEmpty()) {
            throw new IllegalArgumentException("Store.RedisPrefix '" + prefix + "' is empty without its braces,"
                    + " which cluster mode drops; use a name such as 'a'");
        }
        RedisShards shards = cluster ? RedisShards.cluster(prefix) : RedisShards.single(prefix);
        RedisLink link = RedisLink.open(cfg);
        String where = link + " prefix " + (cluster
                ? RedisShards.clusterPrefix(prefix) + " (" + shards.count() + " shards)"
                : prefix);
        LOG.info("redis store opened: {} (DataExpire {}s, FinishedDataExpire {}s, network I/O {})", where,
                cfg.dataExpire(), cfg.finishedDataExpire(), RedisLink.transport());
        return new RedisTransStore(link, shards, cfg.dataExpire(), cfg.finishedDataExpire(), where);
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String toString() {
        return "RedisTransStore[" + description + "]";
    }

    @Override
    public void ping() {
        call(() -> redis.ping());
    }

    /**
     * {@inheritDoc} Deletes the keys under this store's prefix (in cluster mode, its shards') only; DTM runs
     * FLUSHALL, which also wipes whatever else shares the Redis. On a cluster SCAN visits every master.
     */
    @Override
    public void reset() {
        call(() -> {
            ScanArgs match = ScanArgs.Builder.matches(shards.scanPattern()).limit(1000);
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, match);
                // SCAN may return a key twice; UNLINK of a gone key is harmless.
                String[] mine = page.getKeys().stream().filter(shards::owns).toArray(String[]::new);
                if (mine.length > 0) {
                    redis.unlink(mine);
                }
                cursor = page;
            } while (!cursor.isFinished());
            return null;
        });
    }

    // ---- reads ----

    @Override
    public Optional<TransGlobal> findGlobal(String gid) {
        String json = call(() -> redis.get(shards.of(gid).g(gid)));
        return Optional.ofNullable(json).map(RedisJson::global);
    }

    @Override
    public List<TransBranch> findBranches(String gid) {
        return call(() -> redis.lrange(shards.of(gid).b(gid), 0, -1)).stream().map(RedisJson::branch).toList();
    }

    /**
     * {@inheritDoc} Newest first by id, through the listing index; filters are applied while walking it. On a
     * cluster each shard's index is walked below the cursor and the pages are merged by id, which is unique across
     * shards, so the cursor (the last id) never repeats or skips a row.
     */
    @Override
    public Page<TransGlobal> scanGlobals(ScanQuery q) {
        Predicate<TransGlobal> match = t -> (q.status() == null || t.status() == q.status())
                && (q.transType() == null || t.transType() == q.transType())
                && (q.createFrom() == null || (t.createTime() != null && !t.createTime().isBefore(q.createFrom())))
                && (q.createTo() == null || (t.createTime() != null && !t.createTime().isAfter(q.createTo())))
                && q.matchesJdtmFilters(t);
        List<TransGlobal> rows = new ArrayList<>();
        for (Shard sh : shards.all()) {
            rows.addAll(walk(sh.a(), q.position(), q.limit(), sh::g, RedisJson::global, match));
        }
        rows.sort(Comparator.comparingLong(TransGlobal::id).reversed());
        rows = rows.subList(0, Math.min(rows.size(), q.limit()));
        return new Page<>(List.copyOf(rows), rows.size() < q.limit() ? "" : Long.toString(rows.getLast().id()));
    }

    @Override
    public List<KvRow> findKv(String cat, String key) {
        boolean byCat = cat != null && !cat.isEmpty();
        boolean byKey = key != null && !key.isEmpty();
        if (byCat && byKey) {
            String json = call(() -> redis.get(shards.ofCategory(cat).kv(cat, key)));
            return json == null ? List.of() : List.of(RedisJson.kv(json));
        }
        List<String> cats = new ArrayList<>();
        if (byCat) {
            cats.add(cat);
        } else {
            shards.all().forEach(sh -> cats.addAll(call(() -> redis.smembers(sh.kvCategories()))));
        }
        List<KvRow> out = new ArrayList<>();
        for (String c : cats) {
            Shard sh = shards.ofCategory(c);
            List<String> all = call(() -> redis.zrange(sh.kvIndex(c), 0, -1));
            List<String> keys = byKey ? (all.contains(key) ? List.of(key) : List.of()) : all;
            if (keys.isEmpty()) {
                continue;
            }
            for (KeyValue<String, String> kv : call(
                    () -> redis.mget(keys.stream().map(k -> sh.kv(c, k)).toArray(String[]::new)))) {
                kv.ifHasValue(v -> out.add(RedisJson.kv(v)));
            }
        }
        out.sort(Comparator.comparingLong(KvRow::id));
        return out;
    }

    @Override
    public Page<KvRow> scanKv(String cat, String position, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        String c = cat == null ? "" : cat;
        Shard sh = shards.ofCategory(c);
        List<KvRow> rows = walk(sh.kvIndex(c), position, limit, k -> sh.kv(c, k), RedisJson::kv, r -> true);
        return new Page<>(rows, rows.size() < limit ? "" : Long.toString(rows.getLast().id()));
    }

    /**
     * Walks an index (member scored by id) from below the cursor downwards, loading each member's value, until
     * {@code limit} values match. Members whose value expired are removed from the index on the way.
     */
    private <T> List<T> walk(String index, String position, int limit, Function<String, String> keyOf,
            Function<String, T> parse, Predicate<T> match) {
        Range.Boundary<Double> upper = position == null || position.isEmpty()
                ? Range.Boundary.unbounded()
                : Range.Boundary.excluding((double) cursor(position));
        List<T> out = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        int batch = Math.max(limit, SCAN_BATCH);
        while (out.size() < limit) {
            Range<Double> range = Range.from(Range.Boundary.unbounded(), upper);
            List<ScoredValue<String>> members =
                    call(() -> redis.zrevrangebyscoreWithScores(index, range, Limit.create(0, batch)));
            if (members.isEmpty()) {
                break;
            }
            List<KeyValue<String, String>> values =
                    call(() -> redis.mget(members.stream().map(m -> keyOf.apply(m.getValue())).toArray(String[]::new)));
            for (int i = 0; i < members.size() && out.size() < limit; i++) {
                KeyValue<String, String> v = values.get(i);
                if (!v.hasValue()) {
                    stale.add(members.get(i).getValue());
                    continue;
                }
                T row = parse.apply(v.getValue());
                if (match.test(row)) {
                    out.add(row);
                }
            }
            if (members.size() < batch) {
                break;
            }
            upper = Range.Boundary.excluding(members.getLast().getScore());
        }
        if (!stale.isEmpty()) {
            call(() -> redis.zrem(index, stale.toArray(String[]::new)));
        }
        return out;
    }

    // ---- writes ----

    @Override
    public TransGlobal saveNew(TransGlobal global, List<TransBranch> branches) {
        Objects.requireNonNull(global, "global");
        requireSameGid(global.gid(), branches);
        String gid = global.gid();
        Shard sh = shards.of(gid);
        boolean finished = global.status().isFinal();
        List<String> args = new ArrayList<>();
        args.add(gid);
        args.add(RedisJson.global(global));
        args.add(global.status().wire());
        args.add(global.nextCronTime() == null ? "" : RedisJson.score(global.nextCronTime()));
        args.add(Long.toString(ttl(global.status())));
        args.add(finished ? "1" : "0");
        args.add(Long.toString(global.updateTime() == null ? 0 : global.updateTime().toEpochMilli()));
        args.add(shards.idSpec(sh, System.currentTimeMillis()));
        // As on the SQL engines, a repeated (branch_id, op) is stored once: the first one wins.
        Set<String> seen = new HashSet<>();
        for (TransBranch b : branches) {
            if (seen.add(b.branchId() + '\0' + b.op())) {
                args.add(RedisJson.branch(b));
            }
        }
        Long id = eval(Script.SAVE_NEW, ScriptOutputType.INTEGER,
                keys(sh.g(gid), sh.b(gid), sh.s(gid), sh.u(), sh.a(), sh.f(), sh.seqG(), sh.seqB()), args,
                "transaction " + gid);
        return new TransGlobal(id, gid, global.transType(), global.status(), global.queryPrepared(),
                global.protocol(), global.createTime(), global.updateTime(), global.finishTime(),
                global.rollbackTime(), global.result(), global.rollbackReason(), global.options(),
                global.customData(), global.nextCronInterval(), global.nextCronTime(), global.owner(),
                global.extData());
    }

    @Override
    public void appendBranches(String gid, TransStatus expected, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        Shard sh = shards.of(gid);
        List<String> args = new ArrayList<>();
        args.add(expected.wire());
        args.add(Long.toString(ttl(expected)));
        args.add(shards.idSpec(sh, System.currentTimeMillis()));
        branches.forEach(b -> args.add(RedisJson.branch(b)));
        eval(Script.APPEND_BRANCHES, ScriptOutputType.INTEGER, keys(sh.g(gid), sh.b(gid), sh.s(gid), sh.seqB()),
                args, "transaction " + gid + " (expected " + expected + ")");
    }

    /** {@inheritDoc} Rows that do not exist are left alone. */
    @Override
    public void updateBranches(String gid, TransStatus expectedGlobal, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        Shard sh = shards.of(gid);
        List<String> args = new ArrayList<>();
        args.add(expectedGlobal.wire());
        args.add(Long.toString(ttl(expectedGlobal)));
        addBranchWrites(args, branches);
        eval(Script.UPDATE_BRANCHES, ScriptOutputType.INTEGER, keys(sh.g(gid), sh.b(gid), sh.s(gid)), args,
                "transaction " + gid + " (expected " + expectedGlobal + ")");
    }

    @Override
    public TransGlobal changeStatus(String gid, StatusChange c) {
        return changeStatus(gid, c, List.of());
    }

    /** One script: the status change and the branch writes, both or neither. */
    @Override
    public TransGlobal changeStatus(String gid, StatusChange c, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        Shard sh = shards.of(gid);
        List<String> args = new ArrayList<>(List.of(gid, c.from().wire(), c.to().wire(), RedisJson.time(c.now()),
                Long.toString(c.now().toEpochMilli()), c.rollbackReason(), c.result(), Long.toString(ttl(c.to()))));
        addBranchWrites(args, branches);
        String json = eval(Script.CHANGE_STATUS, ScriptOutputType.VALUE,
                keys(sh.g(gid), sh.b(gid), sh.s(gid), sh.u(), sh.f()), args,
                "transaction " + gid + " is not " + c.from() + " (or is missing)");
        return RedisJson.global(json);
    }

    /** The 5-tuples of the scripts' {@code write_branches}. */
    private static void addBranchWrites(List<String> args, List<TransBranch> branches) {
        for (TransBranch br : branches) {
            args.add(br.branchId());
            args.add(br.op());
            args.add(br.status().wire());
            args.add(RedisJson.time(br.finishTime()));
            args.add(RedisJson.time(br.updateTime()));
        }
    }

    @Override
    public Optional<TransGlobal> acquire(String gid, String owner, Instant now, Instant until) {
        TransStore.requireLeaseOwner(owner);
        Shard sh = shards.of(gid);
        List<String> args = List.of(gid, owner, Long.toString(now.getEpochSecond()), Integer.toString(now.getNano()),
                RedisJson.time(until), RedisJson.score(until));
        String json = eval(Script.ACQUIRE, ScriptOutputType.VALUE, keys(sh.g(gid), sh.u()), args,
                "transaction " + gid);
        return Optional.ofNullable(json).map(RedisJson::global);
    }

    @Override
    public boolean renew(String gid, String owner, Instant until) {
        TransStore.requireLeaseOwner(owner);
        Shard sh = shards.of(gid);
        List<String> args = List.of(gid, owner, RedisJson.time(until), RedisJson.score(until));
        Long n = eval(Script.RENEW, ScriptOutputType.INTEGER, keys(sh.g(gid), sh.u()), args, "transaction " + gid);
        return n != null && n > 0;
    }

    @Override
    public boolean release(String gid, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        TransStore.requireLeaseOwner(owner);
        Shard sh = shards.of(gid);
        List<String> args = List.of(gid, owner, Long.toString(intervalSeconds), RedisJson.time(nextCronTime),
                nextCronTime == null ? "" : RedisJson.score(nextCronTime), RedisJson.time(now),
                Long.toString(now.toEpochMilli()), Long.toString(dataExpire), Long.toString(finishedExpire));
        Long n = eval(Script.RELEASE, ScriptOutputType.INTEGER,
                keys(sh.g(gid), sh.b(gid), sh.s(gid), sh.u(), sh.f()), args, "transaction " + gid);
        return n != null && n > 0;
    }

    /**
     * {@inheritDoc} Rows under a live lease are passed over (at most {@link #LEASED_SKIPS} of them per shard and
     * claim): they are only met with a look-ahead, since a lease scores its row at its end, after now. On a cluster
     * the oldest due rows over all shards are found first (one read of each shard's poll index, in parallel), each
     * shard then claims its share atomically, and a shard whose share met leased rows leaves the rest to the other
     * shards, visited round-robin.
     */
    @Override
    public List<TransGlobal> claimDue(Instant now, Duration lookahead, Duration lease, String owner, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        Instant until = now.plus(lease);
        String due = RedisJson.score(now.plus(lookahead));
        List<String> rest = List.of(due, RedisJson.score(until), RedisJson.time(until), owner == null ? "" : owner);
        if (shards.count() == 1) {
            return claimIn(shards.all().get(0), rest, limit, now);
        }
        List<Shard> all = shards.all();
        List<List<ScoredValue<String>>> peeks = link.awaitAll(all.stream()
                .map(sh -> link.async().zrangebyscoreWithScores(sh.u(),
                        Range.create(Double.NEGATIVE_INFINITY, Double.parseDouble(due)), Limit.create(0, limit)))
                .toList());
        return RedisShardClaim.claim(all, peeks, limit, nextShard.getAndIncrement(),
                (sh, n) -> claimIn(sh, rest, n, now));
    }

    private List<TransGlobal> claimIn(Shard sh, List<String> rest, int limit, Instant now) {
        List<String> args = List.of(sh.prefix(), rest.get(0), rest.get(1), rest.get(2), rest.get(3),
                Integer.toString(limit), Long.toString(now.getEpochSecond()), Integer.toString(now.getNano()),
                Integer.toString(LEASED_SKIPS));
        List<Object> out = eval(Script.CLAIM_DUE, ScriptOutputType.MULTI, keys(sh.u(), sh.a()), args, "claim");
        return out.stream().map(o -> RedisJson.global((String) o)).toList();
    }

    /**
     * {@inheritDoc} Rows under a live lease are passed over (at most {@link #LEASED_SKIPS} of them per shard and
     * call; when that stops the walk, more may remain). On a cluster the shards are visited round-robin until the
     * limit is reached.
     */
    @Override
    public ResetResult resetCronTime(Instant now, Duration after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        int done = 0;
        boolean more = false;
        List<Shard> all = shards.all();
        int start = Math.floorMod(nextShard.getAndIncrement(), all.size());
        for (int k = 0; k < all.size(); k++) {
            if (done >= limit) {
                more = true; // shards not visited may hold more
                break;
            }
            Shard sh = all.get((start + k) % all.size());
            List<String> args = List.of(sh.prefix(), RedisJson.score(now.plus(after)), RedisJson.score(now),
                    RedisJson.time(now), Integer.toString(limit - done), Long.toString(now.getEpochSecond()),
                    Integer.toString(now.getNano()), Integer.toString(LEASED_SKIPS));
            List<Object> out = eval(Script.RESET_CRON, ScriptOutputType.MULTI, keys(sh.u(), sh.a()), args,
                    "resetCronTime");
            done += ((Long) out.get(0)).intValue();
            more |= (Long) out.get(1) == 1L;
        }
        return new ResetResult(done, more);
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        Shard sh = shards.of(gid);
        List<String> args = List.of(gid, RedisJson.time(now), RedisJson.score(now), Long.toString(now.toEpochMilli()),
                Long.toString(now.getEpochSecond()), Integer.toString(now.getNano()));
        Long n = eval(Script.RESET_NEXT_CRON, ScriptOutputType.INTEGER, keys(sh.g(gid), sh.u(), sh.f()), args,
                "transaction " + gid + " is missing");
        return n != null && n > 0;
    }

    /** {@inheritDoc} On a cluster the shards are visited in turn until the limit is reached. */
    @Override
    public int deleteFinishedBefore(Instant cutoff, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        int done = 0;
        for (Shard sh : shards.all()) {
            if (done >= limit) {
                break;
            }
            List<String> args = List.of(sh.prefix(), Long.toString(cutoff.toEpochMilli()),
                    Integer.toString(limit - done));
            Long n = eval(Script.DELETE_FINISHED, ScriptOutputType.INTEGER, keys(sh.f(), sh.a(), sh.u()), args,
                    "deleteFinishedBefore");
            done += n.intValue();
        }
        return done;
    }

    /** {@inheritDoc} Walks the listing index (of each shard) in pages and reads the status keys with MGET. */
    @Override
    public Map<TransStatus, Long> countByStatus() {
        Map<TransStatus, Long> out = new java.util.EnumMap<>(TransStatus.class);
        for (TransStatus s : TransStatus.values()) {
            out.put(s, 0L);
        }
        for (Shard sh : shards.all()) {
            long start = 0;
            while (true) {
                long from = start;
                List<String> gids = call(() -> redis.zrange(sh.a(), from, from + 999));
                if (gids.isEmpty()) {
                    break;
                }
                for (KeyValue<String, String> kv : call(() -> redis.mget(gids.stream().map(sh::s).toArray(String[]::new)))) {
                    if (kv.hasValue()) {
                        try {
                            out.merge(TransStatus.parse(kv.getValue()), 1L, Long::sum);
                        } catch (IllegalArgumentException e) {
                            // not one of DTM's five statuses
                        }
                    }
                }
                start += gids.size();
            }
        }
        return out;
    }

    // ---- attempt history ----

    /** {@inheritDoc} One script per transaction in the batch; the keys take the transaction's TTL. */
    @Override
    public void recordAttempts(List<Attempt> attempts) {
        Map<String, List<String>> byGid = new LinkedHashMap<>();
        for (Attempt a : attempts) {
            List<String> args = byGid.computeIfAbsent(a.gid(), k -> {
                List<String> l = new ArrayList<>();
                l.add(Integer.toString(MAX_ATTEMPTS));
                return l;
            });
            args.add(a.branchId() + "\0" + a.op());
            args.add(RedisJson.attempt(a));
        }
        byGid.forEach((gid, args) -> {
            Shard sh = shards.of(gid);
            eval(Script.RECORD_ATTEMPTS, ScriptOutputType.INTEGER,
                    keys(sh.g(gid), sh.attempts(gid), sh.attemptCounters(gid)), args, "attempts of " + gid);
        });
    }

    @Override
    public List<Attempt> findAttempts(String gid) {
        return call(() -> redis.lrange(shards.of(gid).attempts(gid), 0, -1)).stream().map(RedisJson::attempt)
                .toList();
    }

    @Override
    public void createKv(String cat, String key, String value, Instant now) {
        Shard sh = shards.ofCategory(cat);
        eval(Script.CREATE_KV, ScriptOutputType.INTEGER,
                keys(sh.kv(cat, key), sh.kvIndex(cat), sh.kvCategories(), sh.seqKv()),
                List.of(RedisJson.kv(cat, key, value, now), key, cat, shards.idSpec(sh, System.currentTimeMillis())),
                "kv (" + cat + ", " + key + ")");
    }

    @Override
    public void updateKv(KvRow row, String newValue, Instant now) {
        Shard sh = shards.ofCategory(row.cat());
        eval(Script.UPDATE_KV, ScriptOutputType.INTEGER, keys(sh.kv(row.cat(), row.k())),
                List.of(Long.toString(row.id()), Long.toString(row.version()), newValue, RedisJson.time(now)),
                "kv (" + row.cat() + ", " + row.k() + ") version " + row.version() + " is gone or outdated");
    }

    @Override
    public void deleteKv(String cat, String key) {
        Shard sh = shards.ofCategory(cat);
        eval(Script.DELETE_KV, ScriptOutputType.INTEGER, keys(sh.kv(cat, key), sh.kvIndex(cat)), List.of(key),
                "kv (" + cat + ", " + key + ") is missing");
    }

    /** Closes the connection and the client's threads. Idempotent. */
    @Override
    public void close() {
        if (link.isOpen()) {
            link.close();
            LOG.info("redis store closed: {}", description);
        }
    }

    // ---- plumbing ----

    /** A script with its SHA1, computed locally so EVALSHA needs no SCRIPT LOAD round trip when Redis knows it. */
    private enum Script {
        SAVE_NEW(RedisScripts.SAVE_NEW),
        APPEND_BRANCHES(RedisScripts.APPEND_BRANCHES),
        UPDATE_BRANCHES(RedisScripts.UPDATE_BRANCHES),
        CHANGE_STATUS(RedisScripts.CHANGE_STATUS),
        ACQUIRE(RedisScripts.ACQUIRE),
        RENEW(RedisScripts.RENEW),
        RELEASE(RedisScripts.RELEASE),
        CLAIM_DUE(RedisScripts.CLAIM_DUE),
        RESET_CRON(RedisScripts.RESET_CRON),
        RESET_NEXT_CRON(RedisScripts.RESET_NEXT_CRON),
        DELETE_FINISHED(RedisScripts.DELETE_FINISHED),
        CREATE_KV(RedisScripts.CREATE_KV),
        UPDATE_KV(RedisScripts.UPDATE_KV),
        DELETE_KV(RedisScripts.DELETE_KV),
        RECORD_ATTEMPTS(RedisScripts.RECORD_ATTEMPTS);

        final String source;
        final String sha;

        Script(String source) {
            this.source = source;
            this.sha = sha1(source);
        }
    }

    /**
     * Runs a script by SHA, or by its source when Redis does not know it (first use, restart, SCRIPT FLUSH, a
     * cluster node that never ran it: EVAL goes where the keys live and caches it there), then waits for replicas
     * when {@code Store.RedisWaitReplicas} asks to, and maps error replies to the contract's exceptions
     * ({@code what} completes their message). Every script writes, so every one is followed by the wait.
     */
    @SuppressWarnings("unchecked")
    private <T> T eval(Script script, ScriptOutputType type, String[] keys, List<String> args, String what) {
        String[] argv = args.toArray(String[]::new);
        T result;
        try {
            try {
                result = (T) redis.evalsha(script.sha, type, keys, argv);
            } catch (RedisNoScriptException e) {
                result = (T) redis.eval(script.source, type, keys, argv);
            }
            link.awaitReplicas(SlotHash.getSlot(keys[0]));
            return result;
        } catch (RedisCommandExecutionException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage();
            if (msg.contains(RedisScripts.NOT_FOUND)) {
                throw new NotFoundException(what);
            }
            if (msg.contains(RedisScripts.UNIQUE_CONFLICT)) {
                throw new UniqueConflictException(what + " exists");
            }
            throw link.failure("redis " + script + " failed: " + msg, e);
        } catch (RedisException e) {
            throw link.failure("redis " + script + " failed: " + e.getMessage(), e);
        }
    }

    private <T> T call(Supplier<T> op) {
        try {
            return op.get();
        } catch (RedisException e) {
            throw link.failure("redis: " + e.getMessage(), e);
        }
    }

    private long ttl(TransStatus status) {
        return status.isFinal() ? finishedExpire : dataExpire;
    }

    private static String[] keys(String... keys) {
        return keys;
    }

    private static void requireSameGid(String gid, List<TransBranch> branches) {
        for (TransBranch br : branches) {
            if (!br.gid().equals(gid)) {
                throw new IllegalArgumentException("branch (" + br.branchId() + ", " + br.op() + ") has gid '"
                        + br.gid() + "', expected '" + gid + "'");
            }
        }
    }

    private static long cursor(String position) {
        try {
            return Long.parseLong(position);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("position '" + position + "' is not a cursor of this store");
        }
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JDK", e);
        }
    }
}
