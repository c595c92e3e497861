package io.jdtm.spring.testing;

import io.jdtm.spring.testapp.TestApp;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts {@link TestApp} with only APIs that Boot 3.5 and 4.0 share, so the same test runs on both lines. */
public final class TestApps {
    private TestApps() {}

    /** A servlet application on a free port. */
    public static ConfigurableApplicationContext web(String... properties) {
        return start(WebApplicationType.SERVLET, properties);
    }

    /** An application without a web server. */
    public static ConfigurableApplicationContext plain(String... properties) {
        return start(WebApplicationType.NONE, properties);
    }

    /** {@code http://127.0.0.1:<port>} of a web application. */
    public static String baseUrl(ConfigurableApplicationContext ctx) {
        return "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");
    }

    private static ConfigurableApplicationContext start(WebApplicationType type, String... properties) {
        return new SpringApplicationBuilder(TestApp.class).web(type).properties("server.port=0",
                "server.address=127.0.0.1", "spring.main.banner-mode=off",
                // the in-process TM brings Flyway (a newer one than Boot 3.5 knows) for its own store
                "spring.flyway.enabled=false").properties(properties).run();
    }
}
