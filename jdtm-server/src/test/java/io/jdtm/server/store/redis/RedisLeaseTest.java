package io.jdtm.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.store.ResetResult;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the contract cannot see of the Redis lease: the poll index score follows every lease write, the look-ahead
 * walk passes over many leased rows but boundedly, and the scripts read a lease's end off the JSON exactly, in
 * whatever RFC 3339 form it is written.
 */
class RedisLeaseTest extends RedisStoreTestBase {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.250Z");
    private static final String LEASE_A = TransStore.LEASE_PREFIX + "a";
    private static final Duration LEASE = Duration.ofSeconds(10);

    RedisLeaseTest() {
        super("jq");
    }

    private static TransGlobal row(String gid, TransStatus status, Instant next, String owner) {
        return new TransGlobal(0, gid, TransType.SAGA, status, "", "http", T0, T0, null, null, "", "",
                TransOptions.NONE, "", 10, next, owner, "");
    }

    private Double pollScore(String gid) {
        return redis.zscore(cfg.redisPrefix() + "_u", gid);
    }

    private static double seconds(Instant t) {
        return t.toEpochMilli() / 1000.0;
    }

    @Test
    void everyLeaseWriteMovesThePollScoreWithNextCronTime() {
        store.saveNew(row("ls-1", TransStatus.SUBMITTED, T0, ""), List.of());

        store.acquire("ls-1", LEASE_A, T0, T0.plusSeconds(15));
        assertThat(pollScore("ls-1")).isCloseTo(seconds(T0.plusSeconds(15)), within(0.001));
        store.renew("ls-1", LEASE_A, T0.plusSeconds(25));
        assertThat(pollScore("ls-1")).isCloseTo(seconds(T0.plusSeconds(25)), within(0.001));
        store.release("ls-1", LEASE_A, 20, T0.plusSeconds(40), T0.plusSeconds(3));
        assertThat(pollScore("ls-1")).isCloseTo(seconds(T0.plusSeconds(40)), within(0.001));

        // no schedule: out of the poll index; a reset brings it back, due now
        store.acquire("ls-1", LEASE_A, T0, T0.plusSeconds(15));
        store.release("ls-1", LEASE_A, 20, null, T0.plusSeconds(4));
        assertThat(pollScore("ls-1")).isNull();
        assertThat(store.resetNextCronTime("ls-1", T0.plusSeconds(5))).isTrue();
        assertThat(pollScore("ls-1")).isCloseTo(seconds(T0.plusSeconds(5)), within(0.001));
        assertThat(store.claimDue(T0.plusSeconds(5), Duration.ZERO, LEASE, LEASE_A, 10)).hasSize(1);

        // a pass that finished the transaction still releases it: the row stays out of the poll index, and the
        // retention index follows its update_time
        store.changeStatus("ls-1", StatusChange.of(TransStatus.SUBMITTED, TransStatus.SUCCEED, T0.plusSeconds(6)));
        assertThat(store.release("ls-1", LEASE_A, 10, T0.plusSeconds(99), T0.plusSeconds(7))).isTrue();
        assertThat(pollScore("ls-1")).isNull();
        assertThat(redis.zscore(cfg.redisPrefix() + "_f", "ls-1")).isEqualTo(T0.plusSeconds(7).toEpochMilli());
    }

    @Test
    void aLookAheadPassesOverManyLeasedRowsToTheFreeOnesBehindThem() {
        // 50 passes in flight (more than a page of the walk), leased until +5 s; two free rows scheduled at +8 s
        for (int i = 0; i < 50; i++) {
            store.saveNew(row("busy-" + i, TransStatus.SUBMITTED, T0, ""), List.of());
            assertThat(store.acquire("busy-" + i, TransStore.LEASE_PREFIX + i, T0, T0.plusSeconds(5))).isPresent();
        }
        store.saveNew(row("free-1", TransStatus.SUBMITTED, T0.plusSeconds(8), ""), List.of());
        store.saveNew(row("free-2", TransStatus.SUBMITTED, T0.plusSeconds(8), ""), List.of());

        assertThat(store.claimDue(T0, Duration.ofSeconds(10), LEASE, LEASE_A, 1)).extracting(TransGlobal::gid)
                .containsExactly("free-1");
        // free-1 is claimed now: only free-2 is pulled back
        assertThat(store.resetCronTime(T0, Duration.ZERO, 10)).isEqualTo(new ResetResult(1, false));
        assertSameTime(store.findGlobal("free-2").orElseThrow().nextCronTime(), T0);
        assertThat(store.findGlobal("busy-7").orElseThrow().owner()).isEqualTo(TransStore.LEASE_PREFIX + 7);
    }

    @Test
    void theWalkPastLeasedRowsIsBounded() {
        int busy = RedisTransStore.LEASED_SKIPS + 1;
        for (int i = 0; i < busy; i++) {
            store.saveNew(row("busy-" + i, TransStatus.SUBMITTED, T0, ""), List.of());
            store.acquire("busy-" + i, TransStore.LEASE_PREFIX + i, T0, T0.plusSeconds(5));
        }
        store.saveNew(row("free", TransStatus.SUBMITTED, T0.plusSeconds(8), ""), List.of());

        // gives up before the free row, and says that more may remain
        assertThat(store.claimDue(T0, Duration.ofSeconds(10), LEASE, LEASE_A, 1)).isEmpty();
        assertThat(store.resetCronTime(T0, Duration.ZERO, 1)).isEqualTo(new ResetResult(0, true));
        // at the leases' end they are free rows again, due first
        assertThat(store.claimDue(T0.plusSeconds(5), Duration.ZERO, LEASE, LEASE_A, 1)).hasSize(1);
    }

    @Test
    void aLeasesEndIsReadExactlyInAnyRfc3339Form() {
        store.saveNew(row("lt-1", TransStatus.SUBMITTED, T0, LEASE_A), List.of());
        String key = cfg.redisPrefix() + "_g_lt-1";
        String json = redis.get(key);
        String written = "\"next_cron_time\":\"" + RedisJson.time(T0) + "\"";
        assertThat(json).contains(written);
        Random random = new Random(42);
        DateTimeFormatter[] forms = {DateTimeFormatter.ISO_OFFSET_DATE_TIME,
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX"),
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX")};
        for (int i = 0; i < 300; i++) {
            // any time from 1900 to 2200, in any whole-minute offset, with up to nine fraction digits
            Instant end = Instant.ofEpochSecond(random.nextLong(-2_208_988_800L, 7_258_118_400L),
                    i % 3 == 1 ? 0 : random.nextInt(1_000_000_000));
            ZoneOffset offset = ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 60, 18 * 60 + 1) * 60);
            String form = forms[i % forms.length].format(OffsetDateTime.ofInstant(end, offset));
            redis.set(key, json.replace(written, "\"next_cron_time\":\"" + form + "\""));

            assertThat(store.resetNextCronTime("lt-1", end.minusNanos(1))).as("live just before %s", form).isFalse();
            assertThat(store.resetNextCronTime("lt-1", end)).as("over at %s", form).isTrue();
        }
    }

    private static void assertSameTime(Instant actual, Instant expected) {
        assertThat(Duration.between(expected, actual).abs()).isLessThan(Duration.ofMillis(1));
    }
}
