package io.jdtm.spring.autoconfigure;

import io.jdtm.client.DtmClient;
import io.jdtm.spring.DtmClientBuilderCustomizer;
import io.jdtm.spring.actuate.Boot3TmHealthIndicator;
import io.jdtm.spring.actuate.Boot4TmHealthIndicator;
import io.jdtm.spring.actuate.MeteredTransport;
import io.jdtm.spring.actuate.TmProbe;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Observing the TM: a health indicator {@code jdtm} (when Boot's actuator is present; its health API lives in
 * different packages on Boot 3 and Boot 4, so each line has its own small configuration, chosen by class name) and a
 * Micrometer timer of every client call to the TM (when Micrometer is present and the application has a
 * {@code MeterRegistry}).
 */
@AutoConfiguration(after = JdtmAutoConfiguration.class)
@EnableConfigurationProperties(JdtmProperties.class)
public class JdtmActuatorAutoConfiguration {

    static final String BOOT3_HEALTH = "org.springframework.boot.actuate.health.HealthIndicator";
    static final String BOOT4_HEALTH = "org.springframework.boot.health.contributor.HealthIndicator";

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnProperty(prefix = "jdtm.metrics", name = "enabled", matchIfMissing = true)
    static class Metrics {

        /**
         * A customizer is looked up when the client is built, and the registry then: no ordering against the client
         * or Boot's metrics configuration is needed.
         */
        @Bean
        DtmClientBuilderCustomizer jdtmMetricsCustomizer(ObjectProvider<MeterRegistry> registry) {
            return builder -> {
                MeterRegistry r = registry.getIfUnique();
                if (r != null) {
                    builder.wrapTransport(t -> new MeteredTransport(t, r));
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(OnHealthApi.class)
    @ConditionalOnBean(DtmClient.class)
    @ConditionalOnProperty(prefix = "management.health.jdtm", name = "enabled", matchIfMissing = true)
    static class Health {

        /** The probe of the health indicator: HTTP ping where the TM's HTTP API is known, else newGid over gRPC. */
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        TmProbe jdtmTmProbe(DtmClient client, JdtmProperties properties) {
            String http = "http".equals(client.protocol()) ? client.serverUrl() : properties.getServerUrl();
            return new TmProbe(client, http, properties.getRequestTimeout());
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = BOOT4_HEALTH)
        static class Boot4 {
            @Bean
            @ConditionalOnMissingBean(name = "jdtmHealthIndicator")
            Boot4TmHealthIndicator jdtmHealthIndicator(TmProbe probe) {
                return new Boot4TmHealthIndicator(probe);
            }
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = BOOT3_HEALTH)
        @ConditionalOnMissingClass(BOOT4_HEALTH)
        static class Boot3 {
            @Bean
            @ConditionalOnMissingBean(name = "jdtmHealthIndicator")
            Boot3TmHealthIndicator jdtmHealthIndicator(TmProbe probe) {
                return new Boot3TmHealthIndicator(probe);
            }
        }
    }

    /** Either line's health API is on the class path. */
    static final class OnHealthApi extends AnyNestedCondition {
        OnHealthApi() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnClass(name = BOOT3_HEALTH)
        static final class Boot3 {}

        @ConditionalOnClass(name = BOOT4_HEALTH)
        static final class Boot4 {}
    }
}
