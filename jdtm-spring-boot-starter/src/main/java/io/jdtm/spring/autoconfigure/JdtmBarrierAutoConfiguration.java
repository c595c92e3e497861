package io.jdtm.spring.autoconfigure;

import io.jdtm.client.RedisBarrier;
import io.jdtm.spring.DtmBarrier;
import io.jdtm.spring.SpringBarrier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.springframework.aop.Advisor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The barrier inside Spring transactions: a {@link SpringBarrier} over the application's single {@code DataSource}
 * and transaction manager, the {@link DtmBarrier} advice, and a {@link RedisBarrier} over Spring Data Redis. Runs
 * after Boot's DataSource, transaction and Redis auto-configurations, named for both lines (Boot 4 moved them into
 * per-technology modules).
 */
@AutoConfiguration(afterName = {
        // Boot 3.5
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration",
        "org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration",
        "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration",
        // Boot 4.0
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration",
        "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration"})
public class JdtmBarrierAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({DataSourceUtils.class, PlatformTransactionManager.class})
    @ConditionalOnSingleCandidate(DataSource.class)
    static class Jdbc {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnSingleCandidate(PlatformTransactionManager.class)
        SpringBarrier springBarrier(DataSource dataSource, PlatformTransactionManager transactionManager) {
            return new SpringBarrier(dataSource, transactionManager);
        }

        /**
         * Infrastructure role: the proxy creator that {@code @EnableTransactionManagement} registers applies it too,
         * so {@code @DtmBarrier} needs no AspectJ.
         */
        @Bean
        @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
        static Advisor dtmBarrierAdvisor(ObjectProvider<SpringBarrier> barrier) {
            return new DefaultPointcutAdvisor(AnnotationMatchingPointcut.forMethodAnnotation(DtmBarrier.class),
                    new DtmBarrierInterceptor(barrier));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({StringRedisTemplate.class, RedisBarrier.class})
    @ConditionalOnBean(RedisConnectionFactory.class)
    static class Redis {

        /** The SDK's Redis barrier, its Lua scripts run through a {@code StringRedisTemplate}. */
        @Bean
        @ConditionalOnMissingBean
        RedisBarrier redisBarrier(RedisConnectionFactory connections) {
            StringRedisTemplate redis = new StringRedisTemplate(connections);
            Map<String, RedisScript<String>> scripts = new ConcurrentHashMap<>();
            return RedisBarrier.of((script, keys, args) -> redis.execute(
                    scripts.computeIfAbsent(script, s -> RedisScript.of(s, String.class)), List.of(keys),
                    (Object[]) args));
        }
    }
}
