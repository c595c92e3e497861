package io.jdtm.spring.autoconfigure;

import io.jdtm.spring.BranchContext;
import io.jdtm.spring.web.BranchContextArgumentResolver;
import io.jdtm.spring.web.DtmExceptionHandler;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Spring MVC branch handlers: a {@link BranchContext} handler argument and DTM's 409/425 answers
 * ({@link DtmExceptionHandler}). Servlet applications only; {@code jdtm.web.enabled=false} switches both off.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(WebMvcConfigurer.class)
@ConditionalOnProperty(prefix = "jdtm.web", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(JdtmProperties.class)
public class JdtmWebMvcAutoConfiguration {

    @Bean
    WebMvcConfigurer jdtmWebMvcConfigurer(JdtmProperties properties) {
        String table = properties.getBarrier().getTable();
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(new BranchContextArgumentResolver(table));
            }
        };
    }

    @Bean
    @ConditionalOnMissingBean
    DtmExceptionHandler dtmExceptionHandler() {
        return new DtmExceptionHandler();
    }
}
