package io.jdtm.server.store.redis;

import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.zip.CRC32;

/**
 * Where the Redis engine's keys live: one {@link Shard} on a single node, {@value #CLUSTER_SHARDS} on a Redis Cluster.
 *
 * <p>A shard is a key prefix that ends in a hash tag, so every key under it hashes to one slot, and it holds the
 * whole of DTM's layout: its transactions' keys and its own indexes ({@code _u}, {@code _a}, {@code _f}), KV indexes
 * and id counters. A Lua script can only touch keys of one slot; because a transaction and the index entries that
 * point at it share their shard, every multi-key change stays one atomic script. On one node the only shard is
 * {@code Store.RedisPrefix} itself (DTM's {@code {a}}), so the layout is exactly DTM's.
 *
 * <p>In cluster mode the prefix loses its braces ({@code {a}} becomes {@code a}: the hash tags are jdtm's) and shard
 * {@code i} is {@code {<p>.<i>}}, or {@code {<p>.<i>.<k>}} with the smallest {@code k} that puts the tag's slot in
 * the {@code i}-th of {@value #CLUSTER_SHARDS} equal bands of the 16384 slots. The tags therefore sit evenly over the
 * slot space whatever the prefix, and a cluster whose masters own contiguous ranges of roughly equal size (what
 * {@code redis-cli --cluster create} and rebalancing produce) gets several shards on every master. A transaction's
 * shard is {@code crc32(gid) mod} {@value #CLUSTER_SHARDS}; a KV row's is that of its category, so one category's
 * listing is one shard's index. The tag comes first in every key, so braces in a gid never choose the slot.
 *
 * <p>Thread-safe; immutable but for the id clock.
 */
final class RedisShards {
    /** Shards of a cluster store. Changing it moves every transaction to another key: it is not a setting. */
    static final int CLUSTER_SHARDS = 16;

    /**
     * The epoch of cluster ids, 2026-01-01T00:00:00Z in ms. A cluster id is {@code v * shards + shard}, where
     * {@code v = max(the shard's previous v + 1, t)} and {@code t} is this process's id clock: milliseconds since
     * this epoch, moved on by at least 1 per id. So ids are unique across shards and processes, strictly increasing
     * in the order one process creates them, ordered by creation time to the millisecond across processes (a process
     * creating more than 1000 rows a second runs its id clock ahead of the wall clock, which only blurs that
     * order), and small enough (below 10^14 for about two centuries) that Redis's cjson, which writes 14 significant
     * digits, keeps them exact.
     */
    static final long ID_EPOCH_MS = 1_767_225_600_000L;

    /** One shard: a key prefix ending in a hash tag, and its number. */
    record Shard(int index, String prefix) {
        String g(String gid) {
            return prefix + "_g_" + gid;
        }

        String b(String gid) {
            return prefix + "_b_" + gid;
        }

        String s(String gid) {
            return prefix + "_s_" + gid;
        }

        String attempts(String gid) {
            return prefix + "_at_" + gid;
        }

        String attemptCounters(String gid) {
            return prefix + "_an_" + gid;
        }

        String kv(String cat, String key) {
            return prefix + "_kv_" + cat + "_" + key;
        }

        String kvIndex(String cat) {
            return prefix + "_kvi_" + cat;
        }

        /** Poll index. */
        String u() {
            return prefix + "_u";
        }

        /** Listing index. */
        String a() {
            return prefix + "_a";
        }

        /** Retention index. */
        String f() {
            return prefix + "_f";
        }

        String kvCategories() {
            return prefix + "_kvc";
        }

        String seqG() {
            return prefix + "_seq_g";
        }

        String seqB() {
            return prefix + "_seq_b";
        }

        String seqKv() {
            return prefix + "_seq_kv";
        }

        /** The cluster slot of every key of this shard. */
        int slot() {
            return SlotHash.getSlot(prefix);
        }
    }

    private final List<Shard> shards;
    private final boolean cluster;
    private final Set<String> prefixes;
    private final String base;
    private final AtomicLong idClock = new AtomicLong(Long.MIN_VALUE / 2);

    private RedisShards(List<Shard> shards, boolean cluster, String base) {
        this.base = base;
        this.shards = List.copyOf(shards);
        this.cluster = cluster;
        this.prefixes = shards.stream().map(Shard::prefix).collect(Collectors.toUnmodifiableSet());
    }

    /** One node: the single shard is the prefix, DTM's layout. */
    static RedisShards single(String prefix) {
        return new RedisShards(List.of(new Shard(0, prefix)), false, prefix);
    }

    /** A cluster: {@value #CLUSTER_SHARDS} shards spread over the slot space (see the class comment). */
    static RedisShards cluster(String prefix) {
        return cluster(prefix, CLUSTER_SHARDS);
    }

    static RedisShards cluster(String prefix, int count) {
        String p = clusterPrefix(prefix);
        List<Shard> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int lo = i * SlotHash.SLOT_COUNT / count;
            int hi = (i + 1) * SlotHash.SLOT_COUNT / count;
            String tag = "{" + p + "." + i + "}";
            for (int k = 0; !inBand(tag, lo, hi); k++) {
                tag = "{" + p + "." + i + "." + k + "}";
            }
            out.add(new Shard(i, tag));
        }
        return new RedisShards(out, true, p);
    }

    /** The prefix as cluster mode uses it: without braces, which would otherwise choose the hash tag. */
    static String clusterPrefix(String prefix) {
        return prefix.replace("{", "").replace("}", "");
    }

    boolean isCluster() {
        return cluster;
    }

    List<Shard> all() {
        return shards;
    }

    int count() {
        return shards.size();
    }

    /** A SCAN MATCH pattern that finds at least every key of this store (see {@link #owns}). */
    String scanPattern() {
        return cluster
                ? "\\{" + glob(base) + ".*"
                : glob(shards.get(0).prefix()) + "*";
    }

    /** Whether a key found with {@link #scanPattern} is this store's (another prefix may share the pattern). */
    boolean owns(String key) {
        if (!cluster) {
            return key.startsWith(shards.get(0).prefix());
        }
        int close = key.indexOf('}');
        return close > 0 && prefixes.contains(key.substring(0, close + 1));
    }

    /** The shard of a transaction. */
    Shard of(String gid) {
        return shards.size() == 1 ? shards.get(0) : shards.get(hash(gid));
    }

    /** The shard of a KV category (all its rows and its index). */
    Shard ofCategory(String cat) {
        return of(cat);
    }

    /**
     * The id argument of the scripts that allocate ids: empty on one node (a plain INCR, DTM's 1, 2, 3...), else
     * {@code <shards>:<shard>:<ms since ID_EPOCH_MS>} (see {@link #ID_EPOCH_MS}).
     */
    String idSpec(Shard shard, long nowMs) {
        if (!cluster) {
            return "";
        }
        long t = idClock.updateAndGet(last -> Math.max(last + 1, nowMs - ID_EPOCH_MS));
        return shards.size() + ":" + shard.index() + ":" + t;
    }

    private int hash(String s) {
        CRC32 crc = new CRC32();
        crc.update(s.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards.size());
    }

    /** Escapes glob metacharacters so SCAN MATCH takes the text literally. */
    private static String glob(String s) {
        return s.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }

    private static boolean inBand(String tag, int lo, int hi) {
        int slot = SlotHash.getSlot(tag);
        return slot >= lo && slot < hi;
    }
}
