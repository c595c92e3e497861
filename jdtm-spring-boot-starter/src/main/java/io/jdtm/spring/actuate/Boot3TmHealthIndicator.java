package io.jdtm.spring.actuate;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/** The TM's health on Spring Boot 3 ({@code org.springframework.boot.actuate.health}); component {@code jdtm}. */
public final class Boot3TmHealthIndicator extends AbstractHealthIndicator {

    private final TmProbe probe;

    public Boot3TmHealthIndicator(TmProbe probe) {
        super("jdtm: the TM health check failed");
        this.probe = probe;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        TmProbe.Result r = probe.check();
        (r.up() ? builder.up() : builder.down()).withDetails(r.details());
    }
}
