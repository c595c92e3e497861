package io.jdtm.server.store.redis;

import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.redis.RedisShards.Shard;
import io.lettuce.core.ScoredValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The poller's claim over several shards ({@link RedisTransStore#claimDue} on a cluster). Each shard claims
 * atomically in its own script, so the plan only decides how many rows to ask of which shard: from a read of each
 * shard's poll index (its first {@code limit} due members, scores included) it takes the {@code limit} oldest due rows
 * over all shards and asks each shard for its share. A share can come back short (the row was leased, finished or
 * claimed by another process since the read); the rest of the batch is then asked of the shards that still had
 * candidates, round-robin from a rotating start so that no shard is always served last. The result is sorted oldest
 * due first, as the contract says. Stateless.
 */
final class RedisShardClaim {
    private RedisShardClaim() {}

    /**
     * @param peeks per shard (same order as {@code shards}), its due members in score order, at most {@code limit}
     * @param start where the round-robin top-up starts (any int; taken modulo the shard count)
     * @param claimIn claims up to n rows in one shard, oldest due first
     */
    static List<TransGlobal> claim(List<Shard> shards, List<List<ScoredValue<String>>> peeks, int limit, int start,
            BiFunction<Shard, Integer, List<TransGlobal>> claimIn) {
        record Due(double score, int shard, String gid) {}
        List<Due> dues = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            for (ScoredValue<String> v : peeks.get(i)) {
                dues.add(new Due(v.getScore(), i, v.getValue()));
            }
        }
        dues.sort(Comparator.comparingDouble(Due::score).thenComparing(Due::gid));
        int[] share = new int[shards.size()];
        for (Due d : dues.subList(0, Math.min(limit, dues.size()))) {
            share[d.shard()]++;
        }
        Map<String, Double> dueAt = new HashMap<>();
        dues.forEach(d -> dueAt.putIfAbsent(d.gid(), d.score()));

        List<TransGlobal> out = new ArrayList<>();
        int[] got = new int[shards.size()];
        for (int i = 0; i < shards.size(); i++) {
            if (share[i] > 0) {
                List<TransGlobal> claimed = claimIn.apply(shards.get(i), share[i]);
                got[i] = claimed.size();
                out.addAll(claimed);
            }
        }
        int first = Math.floorMod(start, shards.size());
        for (int k = 0; k < shards.size() && out.size() < limit; k++) {
            int i = (first + k) % shards.size();
            if (peeks.get(i).size() > got[i]) { // candidates left there: leased ones, or beyond its share
                List<TransGlobal> claimed = claimIn.apply(shards.get(i), limit - out.size());
                got[i] += claimed.size();
                out.addAll(claimed);
            }
        }
        // rows the read did not see (due since) sort last
        out.sort(Comparator.comparingDouble(g -> dueAt.getOrDefault(g.gid(), Double.POSITIVE_INFINITY)));
        return out;
    }
}
