package io.jdtm.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.protocol.TransStatus;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.TransStoreContract;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The storage contract plus what it leaves to the SQL engines, which keep whole seconds: where a lease ends when
 * its time was cut to the second, and how the drivers count the rows an UPDATE matched.
 */
abstract class JdbcTransStoreContract extends TransStoreContract {
    private static final String LEASE_A = TransStore.LEASE_PREFIX + "a-1";
    private static final String LEASE_B = TransStore.LEASE_PREFIX + "b-1";

    @Override
    protected Duration timePrecision() {
        return Duration.ofSeconds(1);
    }

    @Test
    void aLeaseEndsWhereTheStoredRowSaysAndEveryTakerAgrees() {
        // T0 has a fraction, so the lease's end is stored cut to the second; the SQL checks compare now (with its
        // fraction) with that stored second exactly as TransStore.leased does with the row read back.
        store.saveNew(dueAt("sl-1", TransStatus.SUBMITTED, T0), List.of());
        TransGlobal held = store.acquire("sl-1", LEASE_A, T0, T0.plusSeconds(15)).orElseThrow();
        Instant end = T0.truncatedTo(ChronoUnit.SECONDS).plusSeconds(15);
        assertThat(held.nextCronTime()).isEqualTo(end);

        Instant justBefore = end.minusMillis(1);
        assertThat(TransStore.leased(held, justBefore)).isTrue();
        assertThat(store.acquire("sl-1", LEASE_B, justBefore, justBefore.plusSeconds(10))).isEmpty();
        assertThat(store.claimDue(justBefore, Duration.ofSeconds(60), Duration.ofSeconds(10), LEASE_B, 10)).isEmpty();
        assertThat(store.resetNextCronTime("sl-1", justBefore)).isFalse();
        assertThat(store.resetCronTime(justBefore, Duration.ZERO, 10).count()).isZero();

        assertThat(TransStore.leased(held, end)).isFalse();
        assertThat(store.claimDue(end, Duration.ZERO, Duration.ofSeconds(10), LEASE_B, 10)).hasSize(1);
    }

    @Test
    void renewToTheSameStoredSecondStillHoldsTheLease() {
        // MySQL counts only rows whose values changed unless the driver asks for rows matched: a renew that writes
        // the time already stored must still say the lease is held.
        store.saveNew(dueAt("sl-2", TransStatus.SUBMITTED, T0), List.of());
        store.acquire("sl-2", LEASE_A, T0, T0.plusSeconds(15)).orElseThrow();

        assertThat(store.renew("sl-2", LEASE_A, T0.plusSeconds(15))).isTrue();
        assertThat(store.renew("sl-2", LEASE_A, T0.plusSeconds(15).plusMillis(500))).isTrue();
        assertThat(store.renew("sl-2", LEASE_A, T0.plusSeconds(15))).isTrue();
    }

    @Test
    void leaseCallsRefuseOwnersWithoutTheLeasePrefix() {
        // An owner without the prefix would hold no lease, and '' would match every row nobody owns.
        store.saveNew(dueAt("sl-3", TransStatus.SUBMITTED, T0), List.of());

        assertThatThrownBy(() -> store.acquire("sl-3", "a-1", T0, T0.plusSeconds(15)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.renew("sl-3", "", T0.plusSeconds(15)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.release("sl-3", "", 10, T0.plusSeconds(10), T0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(find("sl-3").owner()).isEmpty();
    }
}
