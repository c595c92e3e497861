package io.jdtm.server.metrics;

import io.jdtm.server.store.WriterStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

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
    private final Counter passJoined;
    private final Counter leaseRenewed;
    private final Counter leaseLost;
    private final Counter authRefused;
    private final Counter branchRefused;
    private final Counter attemptsDropped;
    private final Histogram branchDuration;
    private final ExpositionFormats formats = ExpositionFormats.init();

    public ServerMetrics(String version) {
        Gauge info = Gauge.builder().name("dtm_server_info").help("The information of this dtm server.")
                .labelNames("gin_version", "grpc_version").register(registry);
        // a compile-time constant of grpc-core (the jar manifests that also carry it are merged in the runnable jar)
        info.labelValues("jdtm-" + version, "grpc-java-" + io.grpc.internal.GrpcUtil.IMPLEMENTATION_VERSION).set(1);
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
        // jdtm's own: how the one-pass-per-transaction rule is working (docs/storage.md, "One pass at a time")
        passJoined = Counter.builder().name("jdtm_pass_joined_total")
                .help("Requests to drive a transaction that found a pass of it running in this process and were"
                        + " folded into it instead of starting a second one").register(registry);
        leaseRenewed = Counter.builder().name("jdtm_lease_renewed_total")
                .help("Leases a running pass extended because the next branch call could outlast them")
                .register(registry);
        leaseLost = Counter.builder().name("jdtm_lease_lost_total")
                .help("Passes that stopped because another pass had taken their transaction over (a lease that"
                        + " ran out during a long pause) or its status changed under them").register(registry);
        authRefused = Counter.builder().name("jdtm_auth_refused_total")
                .help("API calls refused for a missing or wrong bearer token, or a normal token on an admin"
                        + " operation (docs/security.md)").labelNames("type", "reason").register(registry);
        branchRefused = Counter.builder().name("jdtm_branch_refused_total")
                .help("Branch calls not made because the branch destination policy (BranchPolicy) refused where"
                        + " they would go; each is retried like an error").register(registry);
        attemptsDropped = Counter.builder().name("jdtm_attempts_dropped_total")
                .help("Branch-call attempts not kept in the attempt history: its buffer was full or the store"
                        + " refused the write (docs/storage.md)").register(registry);
        branchDuration = Histogram.builder().name("jdtm_branch_duration_seconds")
                .help("How long the TM's branch calls took, by transaction type (the admin UI's branch latency)")
                .labelNames("model").classicOnly().register(registry);
    }

    /**
     * Exposes the poller's adaptive concurrency ({@code CronConcurrency}, docs/configuration.md): its current limit,
     * the passes it runs now, its claims and the transactions they took, read when scraped.
     */
    public void poller(IntSupplier limit, IntSupplier inFlight, LongSupplier claims, LongSupplier claimed) {
        CounterWithCallback.builder().name("jdtm_poller_claims_total")
                .help("Claims of due transactions the poller made (each one store query)")
                .callback(cb -> cb.call(claims.getAsLong())).register(registry);
        CounterWithCallback.builder().name("jdtm_poller_claimed_total")
                .help("Due transactions the poller's claims took (a pass each)")
                .callback(cb -> cb.call(claimed.getAsLong())).register(registry);
        GaugeWithCallback.builder().name("jdtm_poller_limit")
                .help("How many transactions the poller may drive at once now: its adaptive limit within"
                        + " CronConcurrency")
                .callback(cb -> cb.call(limit.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("jdtm_poller_passes")
                .help("Passes the poller is running now")
                .callback(cb -> cb.call(inFlight.getAsInt())).register(registry);
    }

    /**
     * Exposes the store's write path (docs/storage.md, "What to monitor"), read when scraped; nothing for a store
     * without a group commit.
     */
    public void store(Supplier<Optional<WriterStats>> stats) {
        if (stats.get().isEmpty()) {
            return;
        }
        GaugeWithCallback.builder().name("jdtm_store_writer_lanes")
                .help("Group-commit lanes of the store: threads that each run one batch of writes at a time")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.lanes()))).register(registry);
        CounterWithCallback.builder().name("jdtm_store_writer_batches_total")
                .help("Batches of writes the lanes ran, each one database transaction (a write alone is a batch of"
                        + " one)")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.batches()))).register(registry);
        CounterWithCallback.builder().name("jdtm_store_writer_writes_total")
                .help("Writes those batches held; divided by the batches, the mean batch size")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.writes()))).register(registry);
        CounterWithCallback.builder().name("jdtm_store_writer_busy_seconds_total")
                .help("Time the lanes spent running batches (statements, commit, flush), summed over lanes; its"
                        + " rate near the number of lanes means the store's writers are the bottleneck")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.busyNanos() / 1e9))).register(registry);
        CounterWithCallback.builder().name("jdtm_store_retries_total")
                .help("Store transactions run again after a deadlock, serialization failure or lock wait timeout;"
                        + " a steady rise means hot rows")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.retries()))).register(registry);
    }

    /** How long one branch call took (every call the TM makes, whatever its outcome). */
    public void branchDuration(String model, double seconds) {
        branchDuration.labelValues(model).observe(seconds);
    }

    /** Attempts the attempt history dropped: its buffer was full or the store refused them. */
    public void attemptsDropped(int n) {
        attemptsDropped.inc(n);
    }

    /** One call refused by the token check; {@code type} http or grpc, {@code reason} missing, wrong, not_admin. */
    public void authRefused(String type, String reason) {
        authRefused.labelValues(type, reason).inc();
    }

    /** One branch call the destination policy refused (docs/security.md, "Branch destinations"). */
    public void branchRefused() {
        branchRefused.inc();
    }

    public void passJoined() {
        passJoined.inc();
    }

    public void leaseRenewed() {
        leaseRenewed.inc();
    }

    public void leaseLost() {
        leaseLost.inc();
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
