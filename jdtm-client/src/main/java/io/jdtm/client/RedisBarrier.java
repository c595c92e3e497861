package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import io.jdtm.protocol.Ops;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/**
 * The barrier for Redis-held balances (spec §9.6). The barrier check and the business change run in one Lua script, so
 * they are atomic. The scripts run through {@link Scripts}: on Lettuce with {@link #over(RedisCommands)}
 * ({@code io.lettuce:lettuce-core}, an optional dependency: add it yourself), or on any other Redis client (Spring
 * Data Redis's {@code StringRedisTemplate}, Jedis) with {@link #of(Scripts)}. Thread-safe as the client is.
 *
 * <pre>{@code
 * RedisBarrier redis = RedisBarrier.over(connection.sync());
 * redis.checkAdjustAmount(BranchBarrier.fromQuery(q), "balance:" + user, -30, Duration.ofDays(7));
 * }</pre>
 *
 * <p>Deviation from DTM (documented): DTM checks the balance before the duplicate check, so a repeated request can
 * answer FAILURE when the balance has changed meanwhile; here a repeated request, a null compensation and a hanging
 * action always succeed without touching the balance, and only a new change is checked against the balance.
 */
public final class RedisBarrier {

    // KEYS: 1 = business counter, 2 = this call's barrier key, 3 = origin op's barrier key (or "")
    // ARGV: 1 = amount, 2 = op, 3 = origin op ("" if none), 4 = ttl seconds
    private static final String ADJUST = """
            if redis.call('GET', KEYS[2]) ~= false then
              return 'DUPLICATE'
            end
            if ARGV[3] ~= '' and redis.call('GET', KEYS[3]) == false then
              redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4])
              redis.call('SET', KEYS[3], 'rollback', 'EX', ARGV[4])
              return 'NULL_COMPENSATION'
            end
            local v = redis.call('GET', KEYS[1])
            if v == false or tonumber(v) + tonumber(ARGV[1]) < 0 then
              return 'FAILURE'
            end
            redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4])
            redis.call('INCRBY', KEYS[1], ARGV[1])
            return 'OK'
            """;

    private static final String QUERY_PREPARED = """
            local v = redis.call('GET', KEYS[1])
            if v == false then
              redis.call('SET', KEYS[1], 'rollback', 'EX', ARGV[1])
              v = 'rollback'
            end
            return v
            """;

    /**
     * How the barrier runs its Lua scripts: {@code EVAL} (or {@code EVALSHA}) of {@code script} with {@code keys} and
     * {@code args}, answering the script's string result ({@code null} for a nil reply). Must be thread-safe when the
     * barrier is shared.
     */
    @FunctionalInterface
    public interface Scripts {
        String eval(String script, String[] keys, String... args);
    }

    private final Scripts redis;

    private RedisBarrier(Scripts redis) {
        this.redis = redis;
    }

    /** A barrier helper over Lettuce's synchronous commands of a {@code String}-codec connection. */
    public static RedisBarrier over(RedisCommands<String, String> redis) {
        Checks.notNull("redis commands", redis);
        return new RedisBarrier((script, keys, args) -> redis.eval(script, ScriptOutputType.VALUE, keys, args));
    }

    /**
     * A barrier helper over any Redis client that can run a Lua script and answer its string result (no Lettuce
     * needed).
     */
    public static RedisBarrier of(Scripts scripts) {
        return new RedisBarrier(Checks.notNull("redis scripts", scripts));
    }

    /**
     * Adds {@code amount} (may be negative) to the integer at {@code key} once per (gid, branch, op), behind the
     * barrier. A repeated request, a compensation whose action never ran and an action arriving after its
     * compensation return normally without touching the value.
     *
     * @throws DtmFailureException the key is missing or the result would be negative (a saga action then rolls back)
     * @throws DtmDuplicatedException op {@code msg} and the barrier key exists (the TM asked QueryPrepared first)
     */
    public void checkAdjustAmount(BranchBarrier barrier, String key, long amount, Duration barrierTtl) {
        Checks.notNull("barrier", barrier);
        Checks.url("redis key", key);
        long ttl = ttlSeconds(barrierTtl);
        String bid = barrier.nextBarrierId();
        String origin = BranchBarrier.originOp(barrier.op());
        if (Ops.ROLLBACK.equals(barrier.op())) {
            origin = ""; // as DTM's Redis variant: only cancel and compensate have an origin op
        }
        String prefix = barrier.gid() + "-" + barrier.branchId() + "-";
        String b1 = prefix + barrier.op() + "-" + bid;
        String b2 = origin.isEmpty() ? "" : prefix + origin + "-" + bid;
        String r = redis.eval(ADJUST, new String[] {key, b1, b2},
                Long.toString(amount), barrier.op(), origin, Long.toString(ttl));
        switch (String.valueOf(r)) {
            case "OK", "NULL_COMPENSATION" -> { }
            case "DUPLICATE" -> {
                if (Ops.MSG.equals(barrier.op())) {
                    throw new DtmDuplicatedException("msg barrier " + b1 + " already exists", barrier.gid());
                }
            }
            case "FAILURE" -> throw new DtmFailureException("redis key '" + key + "' is missing or would go below 0 by "
                    + amount, barrier.gid());
            default -> throw new DtmUnknownException("unexpected answer from the redis barrier script: " + r,
                    barrier.gid(), null);
        }
    }

    /**
     * The QueryPrepared answer for a msg whose business ran on Redis (key {@code <gid>-00-msg-01}): returns normally
     * when the business change happened, else marks the msg rolled back for good and throws.
     *
     * @throws DtmFailureException the msg must roll back (answer 409)
     */
    public void queryPrepared(BranchBarrier barrier, Duration barrierTtl) {
        Checks.notNull("barrier", barrier);
        String key = barrier.gid() + "-" + Ops.QUERY_PREPARED_BRANCH_ID + "-" + Ops.MSG + "-" + Ops.FIRST_BARRIER_ID;
        String v = redis.eval(QUERY_PREPARED, new String[] {key},
                Long.toString(ttlSeconds(barrierTtl)));
        if (Ops.ROLLBACK.equals(v)) {
            throw new DtmFailureException("msg " + barrier.gid() + " was not committed: roll it back", barrier.gid());
        }
    }

    private static long ttlSeconds(Duration d) {
        Checks.notNull("barrier TTL", d);
        long s = TransactionOptions.Builder.seconds("barrier TTL", d);
        if (s <= 0) {
            throw new IllegalArgumentException("barrier TTL must be at least one second, was " + d);
        }
        return s;
    }
}
