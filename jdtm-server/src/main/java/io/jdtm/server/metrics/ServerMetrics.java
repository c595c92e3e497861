package io.jdtm.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * DTM's Prometheus metrics with DTM's exact names and labels (spec §11.5), so existing dashboards keep working.
 * One instance per server (no global registry), thread-safe. The {@code gid} never becomes a label.
 */
public final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter serverProcess;
    private final Histogram responseDuration;
    private final Counter transProcess;
    private final Histogram transHandled;
    private final Counter branchProcess;
    private final ExpositionFormats formats = ExpositionFormats.init();

    public ServerMetrics(String version) {
        Gauge info = Gauge.builder().name("dtm_server_info").help("The information of this dtm server.")
                .labelNames("gin_version", "grpc_version").register(registry);
        info.labelValues("jdtm-" + version, "none").set(1);
        serverProcess = Counter.builder().name("dtm_server_process_total")
                .help("All request received by dtm").labelNames("type", "api", "status").register(registry);
        responseDuration = Histogram.builder().name("dtm_server_response_duration")
                .help("The request durations of a dtm server api").labelNames("type", "api")
                .classicOnly().register(registry);
        transProcess = Counter.builder().name("dtm_transaction_process_total")
                .help("All transactions processed by dtm").labelNames("model", "status").register(registry);
        transHandled = Histogram.builder().name("dtm_transaction_handled_duration")
                .help("Histogram of handling latency of the transaction that handled by the server.")
                .labelNames("model").classicOnly().register(registry);
        branchProcess = Counter.builder().name("dtm_branch_process_total")
                .help("All branches processed by dtm").labelNames("model", "branchid", "branchtype", "status")
                .register(registry);
    }

    /** One API request; {@code api} is the last path segment, lower-cased, without a query string. */
    public void request(String type, String api, boolean ok, double seconds) {
        serverProcess.labelValues(type, api, ok ? "ok" : "fail").inc();
        responseDuration.labelValues(type, api).observe(seconds);
    }

    /** One processing pass; {@code secondsSinceCreate} is measured from the transaction's create_time. */
    public void transaction(String model, boolean ok, double secondsSinceCreate) {
        transProcess.labelValues(model, ok ? "ok" : "fail").inc();
        transHandled.labelValues(model).observe(Math.max(0, secondsSinceCreate));
    }

    public void branch(String model, String branchId, String op, boolean ok) {
        branchProcess.labelValues(model, branchId, op, ok ? "ok" : "fail").inc();
    }

    /** The Prometheus text exposition of every metric. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            formats.getPrometheusTextFormatWriter().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public String contentType() {
        return formats.getPrometheusTextFormatWriter().getContentType();
    }
}
