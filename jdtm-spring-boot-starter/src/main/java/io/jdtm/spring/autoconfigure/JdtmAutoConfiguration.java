package io.jdtm.spring.autoconfigure;

import io.jdtm.client.DtmClient;
import io.jdtm.spring.DtmClientBuilderCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@link DtmClient} of the application, from the {@code jdtm.*} properties ({@link JdtmProperties}) and then every
 * {@link DtmClientBuilderCustomizer} bean in order. Backs off when the application declares its own client. The
 * context closes the client when it stops.
 */
@AutoConfiguration
@EnableConfigurationProperties(JdtmProperties.class)
public class JdtmAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public DtmClient dtmClient(JdtmProperties properties, ObjectProvider<DtmClientBuilderCustomizer> customizers) {
        DtmClient.Builder b = properties.toBuilder();
        customizers.orderedStream().forEach(c -> c.customize(b));
        return b.build();
    }
}
