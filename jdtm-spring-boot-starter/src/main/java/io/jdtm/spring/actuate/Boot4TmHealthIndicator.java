package io.jdtm.spring.actuate;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The TM's health on Spring Boot 4 ({@code org.springframework.boot.health.contributor}, where Boot 4 moved the
 * health API); component {@code jdtm}.
 */
public final class Boot4TmHealthIndicator extends AbstractHealthIndicator {

    private final TmProbe probe;

    public Boot4TmHealthIndicator(TmProbe probe) {
        super("jdtm: the TM health check failed");
        this.probe = probe;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        TmProbe.Result r = probe.check();
        (r.up() ? builder.up() : builder.down()).withDetails(r.details());
    }
}
