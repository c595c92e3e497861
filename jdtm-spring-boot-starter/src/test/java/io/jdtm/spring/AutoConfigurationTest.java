package io.jdtm.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.client.DtmClient;
import io.jdtm.client.RedisBarrier;
import io.jdtm.client.TransactionOptions;
import io.jdtm.spring.autoconfigure.JdtmActuatorAutoConfiguration;
import io.jdtm.spring.autoconfigure.JdtmAutoConfiguration;
import io.jdtm.spring.autoconfigure.JdtmBarrierAutoConfiguration;
import io.jdtm.spring.autoconfigure.JdtmWebMvcAutoConfiguration;
import io.jdtm.spring.web.BranchContextArgumentResolver;
import io.jdtm.spring.web.DtmExceptionHandler;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Which beans the starter makes from which properties and class path, without a server or database. */
class AutoConfigurationTest {

    private static final AutoConfigurations JDTM = AutoConfigurations.of(JdtmAutoConfiguration.class,
            JdtmBarrierAutoConfiguration.class, JdtmWebMvcAutoConfiguration.class, JdtmActuatorAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(JDTM);

    @Test
    void defaultClientTalksHttpToDtmsDefaultAddress() {
        runner.run(ctx -> {
            DtmClient dtm = ctx.getBean(DtmClient.class);
            assertThat(dtm.protocol()).isEqualTo("http");
            assertThat(dtm.serverUrl()).isEqualTo(DtmClient.DEFAULT_SERVER_URL);
            assertThat(dtm.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(dtm.defaultOptions()).isEqualTo(TransactionOptions.DEFAULTS);
        });
    }

    @Test
    void propertiesChooseGrpcTimeoutsAndTransactionDefaults() {
        runner.withPropertyValues("jdtm.protocol=grpc", "jdtm.grpc-target=tm.internal:36790",
                "jdtm.request-timeout=3s", "jdtm.transaction.wait-result=true",
                "jdtm.transaction.timeout-to-fail=2m", "jdtm.transaction.retry-interval=15s",
                "jdtm.transaction.request-timeout=4s", "jdtm.transaction.retry-limit=2",
                "jdtm.transaction.branch-headers.X-Token=s3cret").run(ctx -> {
                    DtmClient dtm = ctx.getBean(DtmClient.class);
                    assertThat(dtm.protocol()).isEqualTo("grpc");
                    assertThat(dtm.serverUrl()).isEqualTo("tm.internal:36790");
                    assertThat(dtm.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
                    TransactionOptions o = dtm.defaultOptions();
                    assertThat(o.waitResult()).isTrue();
                    assertThat(o.timeoutToFailSeconds()).isEqualTo(120);
                    assertThat(o.retryIntervalSeconds()).isEqualTo(15);
                    assertThat(o.requestTimeoutSeconds()).isEqualTo(4);
                    assertThat(o.retryLimit()).isEqualTo(2);
                    assertThat(o.branchHeaders()).isEqualTo(Map.of("X-Token", "s3cret"));
                });
    }

    @Test
    void aBadValueStopsTheContextNamingTheKey() {
        runner.withPropertyValues("jdtm.server-url=localhost:36789").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure())
                    .hasStackTraceContaining("jdtm.server-url: serverUrl must start with http:// or https://");
        });
    }

    @Test
    void customizersRefineTheClientAndAnOwnClientReplacesIt() {
        runner.withBean(DtmClientBuilderCustomizer.class, () -> b -> b.requestTimeout(Duration.ofMillis(1500)))
                .run(ctx -> assertThat(ctx.getBean(DtmClient.class).requestTimeout())
                        .isEqualTo(Duration.ofMillis(1500)));
        DtmClient own = DtmClient.builder().serverUrl("http://tm.example:1/api/dtmsvr").build();
        runner.withBean(DtmClient.class, () -> own)
                .run(ctx -> assertThat(ctx.getBean(DtmClient.class)).isSameAs(own));
    }

    @Test
    void barrierBeansNeedADataSourceAndTransactionManager() {
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(SpringBarrier.class));
        runner.withUserConfiguration(Jdbc.class).run(ctx -> assertThat(ctx).hasSingleBean(SpringBarrier.class));
    }

    @Test
    void redisBarrierComesWithARedisConnectionFactory() {
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(RedisBarrier.class));
        runner.withBean(RedisConnectionFactory.class, () -> new LettuceConnectionFactory("127.0.0.1", 6379))
                .run(ctx -> assertThat(ctx).hasSingleBean(RedisBarrier.class));
    }

    @Test
    void webHelpersOnlyInServletApplicationsAndSwitchable() {
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(DtmExceptionHandler.class));
        WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(JDTM);
        web.run(ctx -> {
            assertThat(ctx).hasSingleBean(DtmExceptionHandler.class);
            java.util.List<HandlerMethodArgumentResolver> resolvers = new java.util.ArrayList<>();
            ctx.getBeansOfType(WebMvcConfigurer.class).values().forEach(c -> c.addArgumentResolvers(resolvers));
            assertThat(resolvers).hasAtLeastOneElementOfType(BranchContextArgumentResolver.class);
        });
        web.withPropertyValues("jdtm.web.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(DtmExceptionHandler.class));
    }

    @Test
    void healthIndicatorOfTheRunningBootLineAndSwitchable() throws ClassNotFoundException {
        boolean boot4 = isPresent("org.springframework.boot.health.contributor.HealthIndicator");
        Class<?> expected = Class.forName(boot4 ? "io.jdtm.spring.actuate.Boot4TmHealthIndicator"
                : "io.jdtm.spring.actuate.Boot3TmHealthIndicator");
        runner.run(ctx -> assertThat(ctx.getBean("jdtmHealthIndicator")).isInstanceOf(expected));
        runner.withPropertyValues("management.health.jdtm.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean("jdtmHealthIndicator"));
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Jdbc {
        @Bean
        DataSource dataSource() {
            return new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource ds) {
            return new DataSourceTransactionManager(ds);
        }
    }
}
