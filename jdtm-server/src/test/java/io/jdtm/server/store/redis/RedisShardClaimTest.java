package io.jdtm.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.redis.RedisShards.Shard;
import io.lettuce.core.ScoredValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plan of the claim over shards, with shards that hand out rows from lists (and record what was asked). */
class RedisShardClaimTest {
    private static final List<Shard> SHARDS =
            List.of(new Shard(0, "{t.0}"), new Shard(1, "{t.1}"), new Shard(2, "{t.2}"));

    /** What each shard would claim, oldest first; and the (shard, n) asked, in order. */
    private final Map<Integer, List<String>> claimable = new LinkedHashMap<>();
    private final List<String> asked = new ArrayList<>();

    @Test
    void takesTheOldestDueRowsOverAllShardsAndReturnsThemOldestFirst() {
        List<List<ScoredValue<String>>> peeks = List.of(
                List.of(due(5, "a5"), due(9, "a9")),
                List.of(due(1, "b1"), due(2, "b2"), due(8, "b8")),
                List.of(due(3, "c3")));
        claimable.put(0, List.of("a5", "a9"));
        claimable.put(1, List.of("b1", "b2", "b8"));
        claimable.put(2, List.of("c3"));

        List<TransGlobal> got = RedisShardClaim.claim(SHARDS, peeks, 4, 0, this::claimIn);

        assertThat(got).extracting(TransGlobal::gid).containsExactly("b1", "b2", "c3", "a5");
        assertThat(asked).containsExactly("0:1", "1:2", "2:1");
    }

    @Test
    void aShortShareIsMadeUpByTheShardsThatStillHaveCandidates() {
        // shard 1's two oldest rows were leased meanwhile: it hands out nothing
        List<List<ScoredValue<String>>> peeks = List.of(
                List.of(due(5, "a5"), due(9, "a9")),
                List.of(due(1, "b1"), due(2, "b2")),
                List.of());
        claimable.put(0, List.of("a5", "a9"));
        claimable.put(1, List.of());
        claimable.put(2, List.of());

        List<TransGlobal> got = RedisShardClaim.claim(SHARDS, peeks, 3, 2, this::claimIn);

        assertThat(got).extracting(TransGlobal::gid).containsExactly("a5", "a9");
        assertThat(asked).as("shares, then the top-up from the rotating start").containsExactly("0:1", "1:2", "0:2",
                "1:1");
    }

    private List<TransGlobal> claimIn(Shard sh, int n) {
        asked.add(sh.index() + ":" + n);
        List<String> left = new ArrayList<>(claimable.get(sh.index()));
        List<String> taken = new ArrayList<>(left.subList(0, Math.min(n, left.size())));
        left.removeAll(taken);
        claimable.put(sh.index(), left);
        return taken.stream().map(RedisShardClaimTest::row).toList();
    }

    private static ScoredValue<String> due(double score, String gid) {
        return ScoredValue.just(score, gid);
    }

    private static TransGlobal row(String gid) {
        Instant t = Instant.parse("2026-03-01T10:00:00Z");
        return new TransGlobal(0, gid, TransType.SAGA, TransStatus.SUBMITTED, "", "http", t, t, null, null, "", "",
                TransOptions.NONE, "", 10, t, "lease:x", "");
    }
}
