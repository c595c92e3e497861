package io.jdtm.spring;

import io.jdtm.client.DtmClient;

/**
 * Refines the auto-configured {@link DtmClient} before it is built, after the {@code jdtm.*} properties were applied:
 * declare one or more as beans (for example to pass your own {@code HttpClient} with TLS, or a Jackson mapper).
 * Customizers run in {@code @Order} order. Declaring your own {@code DtmClient} bean replaces the auto-configured one
 * instead.
 */
@FunctionalInterface
public interface DtmClientBuilderCustomizer {
    void customize(DtmClient.Builder builder);
}
