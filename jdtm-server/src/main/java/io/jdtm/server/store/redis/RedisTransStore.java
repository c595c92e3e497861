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
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
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
 * is Redis's persistence setting ({@code appendonly yes}, {@code appendfsync always|everysec}).
 *
 * <p><b>Retention.</b> Rows expire after {@code Store.DataExpire} seconds (refreshed on each write) and after
 * {@code Store.FinishedDataExpire} once finished; 0 disables the expiry. {@link #deleteFinishedBefore} deletes
 * finished rows (and the index entries of expired ones) through the retention index.
 *
 * <p><b>Outages.</b> Commands fail fast while Redis is unreachable ({@link StoreUnavailableException}): a command
 * waits at most {@link #COMMAND_TIMEOUT}, commands issued while disconnected are rejected at once, and commands in
 * flight when the connection drops fail instead of being re-sent after the reconnect (a write may or may not have
 * been applied; its caller was told it failed). The connection reconnects by itself, retrying at least every
 * {@link #MAX_RECONNECT_DELAY}.
 *
 * <p>Thread-safe: one multiplexed Lettuce connection serves every caller. Single Redis node (or a proxy that
 * routes by hash tag); Redis Cluster client mode is not supported.
 */
public final class RedisTransStore implements TransStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisTransStore.class);
    private static final int SCAN_BATCH = 100;
    /** Attempts kept per transaction (the newest); older ones are trimmed. */
    static final int MAX_ATTEMPTS = 1000;
    /** Longest wait for one command's answer. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Reconnect attempts back off up to this (Lettuce's default is 30 s, too slow to notice a restarted Redis). */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);
    /**
     * How many rows under a live lease one claim or reset walks past before it gives up. Such rows are the passes
     * in flight, met only by a look-ahead or a reset: each costs the script a GET and a decode, so this bounds the
     * script's run time (Redis serves nobody else meanwhile) while still reaching the free rows behind a normal crowd.
     */
    static final int LEASED_SKIPS = 1000;

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;
    private final String p;
    private final long dataExpire;
    private final long finishedExpire;
    private final String description;

    private RedisTransStore(ClientResources resources, RedisClient client,
            StatefulRedisConnection<String, String> connection, String prefix, long dataExpire, long finishedExpire,
            String description) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.redis = connection.sync();
        this.p = prefix;
        this.dataExpire = dataExpire;
        this.finishedExpire = finishedExpire;
        this.description = description;
    }

    /**
     * Connects to {@code Store.Host:Store.Port} (with {@code Store.User}/{@code Store.Password} when set).
     *
     * @throws IllegalArgumentException when the host names several nodes (cluster mode) or the port is missing
     * @throws StoreUnavailableException when Redis cannot be reached or is still loading: the same call may
     *         succeed later
     * @throws StoreException when Redis refused the connection (credentials)
     */
    public static RedisTransStore open(StoreConfig cfg) {
        Objects.requireNonNull(cfg, "cfg");
        String host = cfg.host() == null ? "" : cfg.host();
        if (host.isEmpty() || cfg.port() <= 0) {
            throw new IllegalArgumentException("Store.Host and Store.Port are required for redis");
        }
        if (host.contains(",")) {
            throw new IllegalArgumentException("Store.Host '" + host + "' names several redis nodes (cluster mode),"
                    + " which this jdtm does not support; use one node or a proxy");
        }
        String prefix = cfg.redisPrefix() == null || cfg.redisPrefix().isEmpty() ? "{a}" : cfg.redisPrefix();
        RedisURI.Builder uri = RedisURI.builder().withHost(host).withPort(cfg.port())
                .withTimeout(COMMAND_TIMEOUT);
        if (cfg.password() != null && !cfg.password().isEmpty()) {
            if (cfg.user() != null && !cfg.user().isEmpty()) {
                uri.withAuthentication(cfg.user(), cfg.password());
            } else {
                uri.withPassword(cfg.password().toCharArray());
            }
        }
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, uri.build());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .build());
        StatefulRedisConnection<String, String> conn;
        try {
            conn = client.connect();
        } catch (RedisException e) {
            client.shutdown();
            resources.shutdown();
            throw openFailure("cannot reach redis at " + host + ":" + cfg.port(), e);
        }
        String where = "redis://" + host + ":" + cfg.port() + " prefix " + prefix;
        LOG.info("redis store opened: {} (DataExpire {}s, FinishedDataExpire {}s)", where, cfg.dataExpire(),
                cfg.finishedDataExpire());
        return new RedisTransStore(resources, client, conn, prefix, cfg.dataExpire(), cfg.finishedDataExpire(), where);
    }

    /**
     * Why {@link #open} failed: a {@link StoreUnavailableException} when Redis could not be reached or is not ready
     * (refused, reset, timed out, {@code LOADING}, {@code BUSY}: worth waiting for), a {@link StoreException} when it
     * answered and refused us (wrong password or user, missing permission): waiting does not fix that. One line,
     * with the innermost reason (Lettuce's own message is only "Unable to connect to host:port").
     */
    static StoreException openFailure(String what, RedisException e) {
        boolean refused = false;
        boolean unreachable = false;
        String why = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof RedisLoadingException || t instanceof RedisBusyException) {
                unreachable = true;
            } else if (t instanceof RedisCommandExecutionException) {
                refused = true; // WRONGPASS, NOAUTH, NOPERM, ERR AUTH ...: Redis answered
            } else if (t instanceof RedisConnectionException || t instanceof RedisCommandTimeoutException
                    || t instanceof IOException) {
                unreachable = true;
            }
            if (t != e && !m.isEmpty()) {
                why = m;
            }
        }
        String message = what + ": " + why;
        return unreachable && !refused ? new StoreUnavailableException(message, e) : new StoreException(message, e);
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
     * {@inheritDoc} Deletes the keys under this store's prefix only (DTM runs FLUSHALL, which also wipes whatever
     * else shares the Redis).
     */
    @Override
    public void reset() {
        call(() -> {
            ScanArgs match = ScanArgs.Builder.matches(glob(p) + "*").limit(1000);
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, match);
                if (!page.getKeys().isEmpty()) {
                    // SCAN may return a key twice; UNLINK of a gone key is harmless.
                    redis.unlink(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
            return null;
        });
    }

    // ---- reads ----

    @Override
    public Optional<TransGlobal> findGlobal(String gid) {
        String json = call(() -> redis.get(g(gid)));
        return Optional.ofNullable(json).map(RedisJson::global);
    }

    @Override
    public List<TransBranch> findBranches(String gid) {
        return call(() -> redis.lrange(b(gid), 0, -1)).stream().map(RedisJson::branch).toList();
    }

    /** {@inheritDoc} Newest first by id, through the listing index; filters are applied while walking it. */
    @Override
    public Page<TransGlobal> scanGlobals(ScanQuery q) {
        Predicate<TransGlobal> match = t -> (q.status() == null || t.status() == q.status())
                && (q.transType() == null || t.transType() == q.transType())
                && (q.createFrom() == null || (t.createTime() != null && !t.createTime().isBefore(q.createFrom())))
                && (q.createTo() == null || (t.createTime() != null && !t.createTime().isAfter(q.createTo())))
                && q.matchesJdtmFilters(t);
        List<TransGlobal> rows = walk(p + "_a", q.position(), q.limit(), this::g, RedisJson::global, match);
        return new Page<>(rows, rows.size() < q.limit() ? "" : Long.toString(rows.getLast().id()));
    }

    @Override
    public List<KvRow> findKv(String cat, String key) {
        boolean byCat = cat != null && !cat.isEmpty();
        boolean byKey = key != null && !key.isEmpty();
        if (byCat && byKey) {
            String json = call(() -> redis.get(kv(cat, key)));
            return json == null ? List.of() : List.of(RedisJson.kv(json));
        }
        List<String> cats = byCat ? List.of(cat) : List.copyOf(call(() -> redis.smembers(p + "_kvc")));
        List<KvRow> out = new ArrayList<>();
        for (String c : cats) {
            List<String> all = call(() -> redis.zrange(p + "_kvi_" + c, 0, -1));
            List<String> keys = byKey ? (all.contains(key) ? List.of(key) : List.of()) : all;
            if (keys.isEmpty()) {
                continue;
            }
            for (KeyValue<String, String> kv : call(
                    () -> redis.mget(keys.stream().map(k -> kv(c, k)).toArray(String[]::new)))) {
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
        List<KvRow> rows = walk(p + "_kvi_" + c, position, limit, k -> kv(c, k), RedisJson::kv, r -> true);
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
        boolean finished = global.status().isFinal();
        List<String> args = new ArrayList<>();
        args.add(gid);
        args.add(RedisJson.global(global));
        args.add(global.status().wire());
        args.add(global.nextCronTime() == null ? "" : RedisJson.score(global.nextCronTime()));
        args.add(Long.toString(ttl(global.status())));
        args.add(finished ? "1" : "0");
        args.add(Long.toString(global.updateTime() == null ? 0 : global.updateTime().toEpochMilli()));
        // As on the SQL engines, a repeated (branch_id, op) is stored once: the first one wins.
        Set<String> seen = new HashSet<>();
        for (TransBranch b : branches) {
            if (seen.add(b.branchId() + '\0' + b.op())) {
                args.add(RedisJson.branch(b));
            }
        }
        Long id = eval(Script.SAVE_NEW, ScriptOutputType.INTEGER,
                keys(g(gid), b(gid), s(gid), p + "_u", p + "_a", p + "_f", p + "_seq_g", p + "_seq_b"), args,
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
        List<String> args = new ArrayList<>();
        args.add(expected.wire());
        args.add(Long.toString(ttl(expected)));
        branches.forEach(b -> args.add(RedisJson.branch(b)));
        eval(Script.APPEND_BRANCHES, ScriptOutputType.INTEGER, keys(g(gid), b(gid), s(gid), p + "_seq_b"), args,
                "transaction " + gid + " (expected " + expected + ")");
    }

    /** {@inheritDoc} Rows that do not exist are left alone. */
    @Override
    public void updateBranches(String gid, TransStatus expectedGlobal, List<TransBranch> branches) {
        requireSameGid(gid, branches);
        List<String> args = new ArrayList<>();
        args.add(expectedGlobal.wire());
        args.add(Long.toString(ttl(expectedGlobal)));
        for (TransBranch br : branches) {
            args.add(br.branchId());
            args.add(br.op());
            args.add(br.status().wire());
            args.add(RedisJson.time(br.finishTime()));
            args.add(RedisJson.time(br.updateTime()));
        }
        eval(Script.UPDATE_BRANCHES, ScriptOutputType.INTEGER, keys(g(gid), b(gid), s(gid)), args,
                "transaction " + gid + " (expected " + expectedGlobal + ")");
    }

    @Override
    public TransGlobal changeStatus(String gid, StatusChange c) {
        List<String> args = List.of(gid, c.from().wire(), c.to().wire(), RedisJson.time(c.now()),
                Long.toString(c.now().toEpochMilli()), c.rollbackReason(), c.result(), Long.toString(ttl(c.to())));
        String json = eval(Script.CHANGE_STATUS, ScriptOutputType.VALUE,
                keys(g(gid), b(gid), s(gid), p + "_u", p + "_f"), args,
                "transaction " + gid + " is not " + c.from() + " (or is missing)");
        return RedisJson.global(json);
    }

    @Override
    public Optional<TransGlobal> acquire(String gid, String owner, Instant now, Instant until) {
        TransStore.requireLeaseOwner(owner);
        List<String> args = List.of(gid, owner, Long.toString(now.getEpochSecond()), Integer.toString(now.getNano()),
                RedisJson.time(until), RedisJson.score(until));
        String json = eval(Script.ACQUIRE, ScriptOutputType.VALUE, keys(g(gid), p + "_u"), args,
                "transaction " + gid);
        return Optional.ofNullable(json).map(RedisJson::global);
    }

    @Override
    public boolean renew(String gid, String owner, Instant until) {
        TransStore.requireLeaseOwner(owner);
        List<String> args = List.of(gid, owner, RedisJson.time(until), RedisJson.score(until));
        Long n = eval(Script.RENEW, ScriptOutputType.INTEGER, keys(g(gid), p + "_u"), args, "transaction " + gid);
        return n != null && n > 0;
    }

    @Override
    public boolean release(String gid, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        TransStore.requireLeaseOwner(owner);
        List<String> args = List.of(gid, owner, Long.toString(intervalSeconds), RedisJson.time(nextCronTime),
                nextCronTime == null ? "" : RedisJson.score(nextCronTime), RedisJson.time(now),
                Long.toString(now.toEpochMilli()), Long.toString(dataExpire), Long.toString(finishedExpire));
        Long n = eval(Script.RELEASE, ScriptOutputType.INTEGER, keys(g(gid), b(gid), s(gid), p + "_u", p + "_f"),
                args, "transaction " + gid);
        return n != null && n > 0;
    }

    /**
     * {@inheritDoc} Rows under a live lease are passed over (at most {@link #LEASED_SKIPS} of them per claim): they
     * are only met with a look-ahead, since a lease scores its row at its end, after now.
     */
    @Override
    public List<TransGlobal> claimDue(Instant now, Duration lookahead, Duration lease, String owner, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        Instant until = now.plus(lease);
        List<String> args = List.of(p, RedisJson.score(now.plus(lookahead)), RedisJson.score(until),
                RedisJson.time(until), owner == null ? "" : owner, Integer.toString(limit),
                Long.toString(now.getEpochSecond()), Integer.toString(now.getNano()), Integer.toString(LEASED_SKIPS));
        List<Object> out = eval(Script.CLAIM_DUE, ScriptOutputType.MULTI, keys(p + "_u", p + "_a"), args, "claim");
        return out.stream().map(o -> RedisJson.global((String) o)).toList();
    }

    /**
     * {@inheritDoc} Rows under a live lease are passed over (at most {@link #LEASED_SKIPS} of them per call; when
     * that stops the walk, more may remain).
     */
    @Override
    public ResetResult resetCronTime(Instant now, Duration after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        List<String> args = List.of(p, RedisJson.score(now.plus(after)), RedisJson.score(now), RedisJson.time(now),
                Integer.toString(limit), Long.toString(now.getEpochSecond()), Integer.toString(now.getNano()),
                Integer.toString(LEASED_SKIPS));
        List<Object> out = eval(Script.RESET_CRON, ScriptOutputType.MULTI, keys(p + "_u", p + "_a"), args,
                "resetCronTime");
        return new ResetResult(((Long) out.get(0)).intValue(), (Long) out.get(1) == 1L);
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        List<String> args = List.of(gid, RedisJson.time(now), RedisJson.score(now), Long.toString(now.toEpochMilli()),
                Long.toString(now.getEpochSecond()), Integer.toString(now.getNano()));
        Long n = eval(Script.RESET_NEXT_CRON, ScriptOutputType.INTEGER, keys(g(gid), p + "_u", p + "_f"), args,
                "transaction " + gid + " is missing");
        return n != null && n > 0;
    }

    @Override
    public int deleteFinishedBefore(Instant cutoff, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        List<String> args = List.of(p, Long.toString(cutoff.toEpochMilli()), Integer.toString(limit));
        Long n = eval(Script.DELETE_FINISHED, ScriptOutputType.INTEGER, keys(p + "_f", p + "_a", p + "_u"), args,
                "deleteFinishedBefore");
        return n.intValue();
    }

    /** {@inheritDoc} Walks the listing index in pages and reads the status keys with MGET. */
    @Override
    public Map<TransStatus, Long> countByStatus() {
        Map<TransStatus, Long> out = new java.util.EnumMap<>(TransStatus.class);
        for (TransStatus s : TransStatus.values()) {
            out.put(s, 0L);
        }
        long start = 0;
        while (true) {
            long from = start;
            List<String> gids = call(() -> redis.zrange(p + "_a", from, from + 999));
            if (gids.isEmpty()) {
                return out;
            }
            for (KeyValue<String, String> kv : call(() -> redis.mget(gids.stream().map(this::s).toArray(String[]::new)))) {
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
        byGid.forEach((gid, args) -> eval(Script.RECORD_ATTEMPTS, ScriptOutputType.INTEGER,
                keys(g(gid), p + "_at_" + gid, p + "_an_" + gid), args, "attempts of " + gid));
    }

    @Override
    public List<Attempt> findAttempts(String gid) {
        return call(() -> redis.lrange(p + "_at_" + gid, 0, -1)).stream().map(RedisJson::attempt).toList();
    }

    @Override
    public void createKv(String cat, String key, String value, Instant now) {
        eval(Script.CREATE_KV, ScriptOutputType.INTEGER,
                keys(kv(cat, key), p + "_kvi_" + cat, p + "_kvc", p + "_seq_kv"),
                List.of(RedisJson.kv(cat, key, value, now), key, cat), "kv (" + cat + ", " + key + ")");
    }

    @Override
    public void updateKv(KvRow row, String newValue, Instant now) {
        eval(Script.UPDATE_KV, ScriptOutputType.INTEGER, keys(kv(row.cat(), row.k())),
                List.of(Long.toString(row.id()), Long.toString(row.version()), newValue, RedisJson.time(now)),
                "kv (" + row.cat() + ", " + row.k() + ") version " + row.version() + " is gone or outdated");
    }

    @Override
    public void deleteKv(String cat, String key) {
        eval(Script.DELETE_KV, ScriptOutputType.INTEGER, keys(kv(cat, key), p + "_kvi_" + cat), List.of(key),
                "kv (" + cat + ", " + key + ") is missing");
    }

    /** Closes the connection and the client's threads. Idempotent. */
    @Override
    public void close() {
        if (connection.isOpen()) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown();
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
     * Runs a script by SHA, loading it when Redis does not know it (first use, restart, SCRIPT FLUSH), and maps its
     * error replies to the contract's exceptions ({@code what} completes their message).
     */
    @SuppressWarnings("unchecked")
    private <T> T eval(Script script, ScriptOutputType type, String[] keys, List<String> args, String what) {
        String[] argv = args.toArray(String[]::new);
        try {
            try {
                return (T) redis.evalsha(script.sha, type, keys, argv);
            } catch (RedisNoScriptException e) {
                redis.scriptLoad(script.source);
                return (T) redis.evalsha(script.sha, type, keys, argv);
            }
        } catch (RedisCommandExecutionException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage();
            if (msg.contains(RedisScripts.NOT_FOUND)) {
                throw new NotFoundException(what);
            }
            if (msg.contains(RedisScripts.UNIQUE_CONFLICT)) {
                throw new UniqueConflictException(what + " exists");
            }
            throw failure("redis " + script + " failed: " + msg, e);
        } catch (RedisException e) {
            throw failure("redis " + script + " failed: " + e.getMessage(), e);
        }
    }

    private <T> T call(java.util.function.Supplier<T> op) {
        try {
            return op.get();
        } catch (RedisException e) {
            throw failure("redis: " + e.getMessage(), e);
        }
    }

    /**
     * {@link StoreUnavailableException} when Redis could not be reached or could not answer now (connection lost
     * or refused, command rejected while disconnected, timeout, still loading its data, busy in a script), else a
     * plain {@link StoreException}.
     */
    private StoreException failure(String message, RedisException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        boolean unavailable = e instanceof RedisConnectionException || e instanceof RedisCommandTimeoutException
                || e instanceof RedisLoadingException || e instanceof RedisBusyException
                || e.getCause() instanceof IOException || !connection.isOpen()
                // Lettuce fails in-flight and rejected commands with a plain RedisException; the connection may
                // not be flagged closed yet when it does
                || m.startsWith("Connection disconnected") || m.startsWith("Currently not connected")
                || m.startsWith("Connection closed");
        return unavailable ? new StoreUnavailableException(message, e) : new StoreException(message, e);
    }

    private long ttl(TransStatus status) {
        return status.isFinal() ? finishedExpire : dataExpire;
    }

    private String g(String gid) {
        return p + "_g_" + gid;
    }

    private String b(String gid) {
        return p + "_b_" + gid;
    }

    private String s(String gid) {
        return p + "_s_" + gid;
    }

    private String kv(String cat, String key) {
        return p + "_kv_" + cat + "_" + key;
    }

    private static String[] keys(String... keys) {
        return keys;
    }

    /** Escapes glob metacharacters so SCAN MATCH takes the prefix literally. */
    private static String glob(String s) {
        return s.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
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
