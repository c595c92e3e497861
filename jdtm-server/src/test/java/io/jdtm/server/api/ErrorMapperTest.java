package io.jdtm.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Storage failures: unreachable → 503 with Retry-After, anything else from the store → 500. */
class ErrorMapperTest {

    @Test
    void anUnreachableStoreIs503WithRetryAfter() {
        ErrorMapper.Answer a = ErrorMapper.map(new StoreUnavailableException("redis SAVE_NEW failed: Connection refused",
                new IOException("Connection refused")));
        assertThat(a.status()).isEqualTo(503);
        assertThat(a.retryAfterSeconds()).isPositive();
        assertThat(a.body()).containsOnlyKeys("message");
        assertThat(a.body().get("message")).isEqualTo("storage unavailable: redis SAVE_NEW failed: Connection refused");
    }

    @Test
    void otherStorageErrorsStay500WithoutRetryAfter() {
        ErrorMapper.Answer a = ErrorMapper.map(new StoreException("postgres saveNew failed: value too long"));
        assertThat(a.status()).isEqualTo(500);
        assertThat(a.retryAfterSeconds()).isZero();
        assertThat(a.body().get("message")).isEqualTo("storage error: postgres saveNew failed: value too long");
        assertThat(ErrorMapper.map(new NotFoundException("gone")).status()).isEqualTo(500);
    }
}
