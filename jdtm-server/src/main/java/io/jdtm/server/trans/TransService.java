package io.jdtm.server.trans;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.branch.BranchCaller;
import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.metrics.ServerMetrics;
import io.jdtm.server.store.AttemptWriter;
import io.jdtm.server.store.ResetResult;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.StatusChange;
import io.jdtm.server.store.StoreException;
import io.jdtm.server.store.StoreUnavailableException;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.UniqueConflictException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import io.jdtm.server.tracing.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction manager's operations, one method per DTM endpoint (spec §3), independent of the transport.
 * Validates input, applies the idempotency rules, stores durably, then runs a processing pass (synchronously for
 * {@code wait_result}, else on a virtual thread). Thread-safe and lock-free: concurrent calls on one gid are
 * resolved by the store's compare-and-set.
 */
public final class TransService {
    private static final Logger log = LoggerFactory.getLogger(TransService.class);
    /** Attempts waiting for the history writer at most; more are dropped (docs/storage.md, "Attempt history"). */
    static final int ATTEMPT_BUFFER = 16_384;

    private final Engine engine;
    private final Map<TransType, TransProcessor> processors = new EnumMap<>(TransType.class);
    private final Limits limits;
    private final Passes passes;
    private final Topics topics;
    private final TransQueries queries;

    public TransService(TransStore store, BranchCaller caller, Clock clock, ServerConfig config,
            ServerMetrics metrics) {
        this(store, caller, clock, config, metrics, Tracing.OFF);
    }

    /** With {@code tracing}: spans of passes and branch calls, the caller's trace context stored in ext_data. */
    public TransService(TransStore store, BranchCaller caller, Clock clock, ServerConfig config,
            ServerMetrics metrics, Tracing tracing) {
        this.engine = new Engine(store, caller, clock, config, metrics, tracing,
                new AttemptWriter(store, ATTEMPT_BUFFER, metrics::attemptsDropped));
        this.limits = new Limits(config);
        // the processors, wired in one place
        processors.put(TransType.SAGA, new SagaProcessor());
        processors.put(TransType.MSG, new MsgProcessor());
        processors.put(TransType.TCC, TccXaProcessor.tcc());
        processors.put(TransType.XA, TccXaProcessor.xa());
        processors.put(TransType.WORKFLOW, new WorkflowProcessor());
        this.passes = new Passes(engine, processors);
        this.topics = new Topics(store, clock, url -> checkUrl("url", url, null));
        this.queries = new TransQueries(store, config.retryInterval());
    }

    /** The tracing the API front ends open their spans with. */
    public Tracing tracing() {
        return engine.tracing;
    }

    /** The read side: query, listing, KV. */
    public TransQueries queries() {
        return queries;
    }

    /** The msg topics and their subscribers (spec §3.13–3.15). */
    public Topics topics() {
        return topics;
    }

    /** A new lease owner value for a poller claim: the claim is the lease of the pass that follows. */
    public String newLeaseOwner() {
        return passes.newToken();
    }

    public TransStore store() {
        return engine.store;
    }

    // ---------------------------------------------------------------- stopping

    /** What {@link #awaitPasses} found: passes handed back, and passes that outlasted the grace period. */
    public record StopReport(int handedBack, int stillRunning, int leasesCut) {}

    /**
     * The first step of a clean stop, irreversible: no pass starts from now on (a transaction submitted meanwhile is
     * stored and its lease released at once), and every running pass ends before its next branch call, releasing
     * its lease due at once. Decisions from branch calls already answered are still written. A caller waiting for
     * such a pass ({@code wait_result}) gets an UNAVAILABLE error (HTTP 503), never a FAILURE.
     */
    public void stopPasses() {
        engine.stop();
    }

    /**
     * The second step: waits up to {@code grace} for the passes still running here (each ends when its branch
     * call in flight answers or times out); those still running then are stopped and their leases shortened to
     * the end of their calls in flight (see {@code Passes#cutLeases}).
     */
    public StopReport awaitPasses(Duration grace) {
        boolean idle = passes.awaitIdle(System.nanoTime() + grace.toNanos());
        int running = idle ? 0 : passes.running();
        int cut = idle ? 0 : passes.cutLeases();
        return new StopReport(passes.handedBack(), running, cut);
    }

    /** The attempt history's writer (its {@link AttemptWriter#flush} lets a test see what was recorded). */
    public AttemptWriter attempts() {
        return engine.attempts;
    }

    /** Writes the attempt history still buffered (briefly) and stops its writer; call before closing the store. */
    public void close() {
        engine.attempts.close();
    }

    // ---------------------------------------------------------------- prepare / submit / abort

    /** {@code POST /prepare} (spec §3.3). */
    public void prepare(TransRequest req) {
        prepare(req, null);
    }

    /**
     * {@code prepare} with the steps' payloads as bytes ({@code binPayloads}, gRPC's {@code BinPayloads}: stored and
     * sent to the branches unchanged), or null to take them from the request's JSON {@code payloads}.
     */
    public void prepare(TransRequest req, List<byte[]> binPayloads) {
        TransType type = requireType(req);
        TransGlobal g = newGlobal(req, type, TransStatus.PREPARED);
        List<TransBranch> branches =
                type == TransType.MSG ? buildBranches(req, binPayloads, type, g) : List.of();
        try {
            engine.store.saveNew(g, branches);
        } catch (UniqueConflictException e) {
            TransGlobal existing = load(g.gid());
            if (existing.status() != TransStatus.PREPARED) {
                throw DtmException.failure("current status '" + existing.status() + "', cannot prepare.");
            }
        }
    }

    /** {@code POST /submit} (spec §3.4); workflow submits set the final status directly (§7.2 step 6). */
    public void submit(TransRequest req) {
        submit(req, null);
    }

    /** {@code submit} with the steps' payloads as bytes, as {@link #prepare(TransRequest, List)}. */
    public void submit(TransRequest req, List<byte[]> binPayloads) {
        TransType type = requireType(req);
        if (type == TransType.WORKFLOW) {
            submitWorkflow(req);
            return;
        }
        TransGlobal g = newGlobal(req, type, TransStatus.SUBMITTED);
        List<TransBranch> branches = buildBranches(req, binPayloads, type, g);
        // saved with the lease of its first pass, so no other pass can start before that one ends
        TransGlobal leased = g.withLease(passes.newToken(), g.createTime().plus(engine.leaseLength(g)));
        try {
            TransGlobal saved = engine.store.saveNew(leased, branches);
            process(Passes.Start.leased(saved, branches), req.options().waitResult(), true);
            return;
        } catch (UniqueConflictException e) {
            // exists: decide below
        }
        TransGlobal existing = load(g.gid());
        if (existing.status() == TransStatus.PREPARED) {
            try {
                existing = engine.store.changeStatus(g.gid(),
                        StatusChange.of(TransStatus.PREPARED, TransStatus.SUBMITTED, engine.now()));
            } catch (NotFoundException nf) {
                TransStatus now = load(g.gid()).status();
                throw DtmException.failure("current status '" + now + "', cannot sumbmit.");
            }
        } else if (existing.status() != TransStatus.SUBMITTED) {
            throw DtmException.failure("current status '" + existing.status() + "', cannot sumbmit.");
        }
        // the pass runs with the submit request's options and create time (spec §3.4, §6.6)
        UnaryOperator<TransGlobal> own = stored -> {
            TransGlobal a = stored.withOptions(g.options()).withCreateTime(g.createTime());
            return g.customData().isEmpty() ? a : a.withCustomData(g.customData());
        };
        process(Passes.Start.acquire(existing, own), req.options().waitResult(), true);
    }

    private void submitWorkflow(TransRequest req) {
        String gid = requireGid(req.gid());
        Map<String, String> extra = req.reqExtraOrEmpty();
        String s = extra.getOrDefault("status", "");
        TransStatus to;
        try {
            to = TransStatus.parse(s);
        } catch (IllegalArgumentException e) {
            throw DtmException.badRequest("workflow submit needs req_extra.status 'succeed' or 'failed', got '" + s + "'");
        }
        if (!to.isFinal()) {
            throw DtmException.badRequest("workflow submit needs req_extra.status 'succeed' or 'failed', got '" + s + "'");
        }
        try {
            engine.store.changeStatus(gid, new StatusChange(TransStatus.PREPARED, to,
                    extra.getOrDefault("rollback_reason", ""), extra.getOrDefault("result", ""), engine.now()));
        } catch (NotFoundException e) {
            Optional<TransGlobal> g = engine.store.findGlobal(gid);
            if (g.isEmpty()) {
                throw DtmException.notFound("no workflow with gid '" + gid + "'");
            }
            if (g.get().status() != to) {
                throw DtmException.failure("workflow " + gid + " is " + g.get().status() + " already; it cannot "
                        + "become " + to);
            }
            // a repeated submit with the same outcome: done already
        }
    }

    /** {@code POST /abort} (spec §3.5). */
    public void abort(TransRequest req) {
        String gid = requireGid(req.gid());
        engine.tracing.noteGid(gid);
        TransGlobal g = load(gid);
        if (g.transType() == TransType.MSG && g.status() == TransStatus.PREPARED) {
            cas(g, TransStatus.FAILED, req.rollbackReason());
            return;
        }
        String reqType = req.transType() == null ? "" : req.transType();
        boolean typeOk = reqType.equals(TransType.TCC.wire()) || reqType.equals(TransType.XA.wire());
        if (!typeOk || (g.status() != TransStatus.PREPARED && g.status() != TransStatus.ABORTING)) {
            throw DtmException.failure("trans type: '" + g.transType() + "' current status '" + g.status()
                    + "', cannot abort.");
        }
        TransGlobal after = cas(g, TransStatus.ABORTING, req.rollbackReason());
        process(Passes.Start.acquire(after, null), after.options().waitResult(), false);
    }

    /** {@code POST /forceStop} (spec §3.6): to failed without calling any branch. */
    public void forceStop(String rawGid) {
        String gid = requireGid(rawGid);
        for (int attempt = 0; ; attempt++) {
            TransGlobal g = load(gid);
            if (g.status().isFinal()) {
                throw DtmException.failure("global transaction force stop error. status: " + g.status() + ". error:");
            }
            try {
                engine.store.changeStatus(gid, StatusChange.of(g.status(), TransStatus.FAILED, engine.now()));
                return;
            } catch (NotFoundException e) {
                if (attempt > 5) {
                    throw DtmException.ongoing("could not force-stop " + gid + ": its status keeps changing; try again");
                }
            }
        }
    }

    private TransGlobal cas(TransGlobal g, TransStatus to, String reason) {
        Transitions.check(g.status(), to);
        try {
            return engine.store.changeStatus(g.gid(),
                    new StatusChange(g.status(), to, reason == null ? "" : reason, "", engine.now()));
        } catch (NotFoundException e) {
            TransStatus now = load(g.gid()).status();
            throw DtmException.failure("trans type: '" + g.transType() + "' current status '" + now
                    + "', cannot abort.");
        }
    }

    // ---------------------------------------------------------------- branches and workflow

    /** {@code POST /registerBranch} and its aliases (spec §3.7): a flat map of strings. */
    public void registerBranch(Map<String, String> body) {
        registerBranch(body, null);
    }

    /**
     * {@code registerBranch} with the branch's payload as bytes ({@code payload}, gRPC's {@code BusiPayload}: stored
     * and sent unchanged), or null to take the body's {@code data} string.
     */
    public void registerBranch(Map<String, String> body, byte[] payload) {
        String gid = requireGid(body.get("gid"));
        engine.tracing.noteGid(gid);
        String branchId = body.getOrDefault("branch_id", "");
        if (branchId.isEmpty()) {
            throw DtmException.badRequest("registerBranch needs a branch_id");
        }
        String typeName = body.getOrDefault("trans_type", "");
        TransType type = TransType.find(typeName).orElseThrow(() -> DtmException.badRequest(
                "unknow trans type: " + typeName + " (registerBranch takes tcc, xa or workflow)"));
        byte[] data = payload != null ? payload : body.getOrDefault("data", "").getBytes(StandardCharsets.UTF_8);
        // the transaction's protocol is not read here (one store round trip less): either form is accepted
        List<String> urlKeys = switch (type) {
            case TCC -> List.of("confirm", "cancel");
            case XA -> List.of("url");
            default -> List.of();
        };
        for (String key : urlKeys) {
            checkUrl(key, body.getOrDefault(key, ""), null);
        }
        Instant now = engine.now();
        List<TransBranch> rows = switch (type) {
            case TCC -> List.of(
                    TransBranch.create(gid, body.getOrDefault("cancel", ""), data, branchId, Ops.CANCEL, BranchStatus.PREPARED, now),
                    TransBranch.create(gid, body.getOrDefault("confirm", ""), data, branchId, Ops.CONFIRM, BranchStatus.PREPARED, now));
            case XA -> List.of(
                    TransBranch.create(gid, body.getOrDefault("url", ""), data, branchId, Ops.ROLLBACK, BranchStatus.PREPARED, now),
                    TransBranch.create(gid, body.getOrDefault("url", ""), data, branchId, Ops.COMMIT, BranchStatus.PREPARED, now));
            case WORKFLOW -> {
                String op = body.getOrDefault("op", "");
                if (op.isEmpty()) {
                    throw DtmException.badRequest("registerBranch of a workflow needs an op");
                }
                BranchStatus st;
                try {
                    st = BranchStatus.parse(body.getOrDefault("status", ""));
                } catch (IllegalArgumentException e) {
                    throw DtmException.badRequest("registerBranch of a workflow: " + e.getMessage());
                }
                yield List.of(TransBranch.create(gid, "", data, branchId, op, st, now));
            }
            default -> throw DtmException.badRequest("unknow trans type: " + typeName
                    + " (registerBranch takes tcc, xa or workflow)");
        };
        List<TransBranch> existing = engine.store.findBranches(gid);
        limits.checkBranches(rows, existing.size());
        try {
            engine.store.appendBranches(gid, TransStatus.PREPARED, rows);
        } catch (NotFoundException e) {
            throw DtmException.failure("no trans with gid: " + gid + " status: prepared found");
        } catch (UniqueConflictException e) {
            sameAsRegistered(gid, branchId, rows, engine.store.findBranches(gid));
        }
    }

    /**
     * A registerBranch whose rows exist already: a repeat of the same registration (a client retrying after a lost
     * answer) succeeds without change; anything else is a FAILURE naming what differs.
     */
    private static void sameAsRegistered(String gid, String branchId, List<TransBranch> rows,
            List<TransBranch> stored) {
        for (TransBranch want : rows) {
            TransBranch have = stored.stream()
                    .filter(b -> b.branchId().equals(want.branchId()) && b.op().equals(want.op()))
                    .findFirst()
                    .orElse(null);
            String differs = have == null ? "its " + want.op() + " is missing"
                    : !have.url().equals(want.url()) ? "its " + want.op() + " url is '" + have.url() + "'"
                    : !java.util.Arrays.equals(have.binData(), want.binData()) ? "its data differs"
                    : have.status() != want.status() ? "its " + want.op() + " is " + have.status()
                    : null;
            if (differs != null) {
                throw DtmException.failure("branch " + branchId + " of " + gid + " is registered already and "
                        + differs + "; a repeated registerBranch must be identical");
            }
        }
    }

    /** The answer of {@code prepareWorkflow}: the transaction and its recorded progress. */
    public record WorkflowState(TransGlobal transaction, List<TransBranch> progresses) {}

    /** {@code POST /prepareWorkflow} (spec §3.8). Never a FAILURE. */
    public WorkflowState prepareWorkflow(TransRequest req) {
        String gid = requireGid(req.gid());
        TransGlobal g = newGlobal(req, TransType.WORKFLOW, TransStatus.PREPARED);
        try {
            return new WorkflowState(engine.store.saveNew(g, List.of()), List.of());
        } catch (UniqueConflictException e) {
            return new WorkflowState(load(gid), engine.store.findBranches(gid));
        }
    }

    // ---------------------------------------------------------------- processing

    /**
     * Drives a transaction (see {@link Passes}): synchronously when {@code waitResult}, reporting the outcome as
     * DTM does (spec §6.3); otherwise in the background. {@code wasSubmitted}: the caller made or found the
     * transaction submitted, so anything but {@code succeed} afterwards is reported as a FAILURE.
     */
    private void process(Passes.Start start, boolean waitResult, boolean wasSubmitted) {
        if (!waitResult) {
            Thread.startVirtualThread(engine.tracing.wrap(() -> {
                Passes.Result r = passes.drive(start);
                if (r.error() != null) {
                    logPassError(start.gid(), r.error());
                }
            }));
            return;
        }
        Passes.Result r = passes.drive(start);
        if (r.error() == null && !r.driven()) {
            r = awaitElsewhere(start.gid());
        }
        if (r.error() != null) {
            throw r.error();
        }
        TransGlobal after = r.global();
        if (wasSubmitted && (after == null || after.status() != TransStatus.SUCCEED)) {
            String reason = after == null ? "" : after.rollbackReason();
            throw DtmException.failure(reason.isEmpty() ? "wait result not return success:" : reason);
        }
    }

    /**
     * {@code wait_result} for a transaction another TM is driving: watches the stored row until it is finished,
     * or drives it here once its lease is free, for at most two saga phase limits; then reports what it saw.
     */
    private Passes.Result awaitElsewhere(String gid) {
        TransGlobal last = null;
        long limit = 2 * (engine.config.requestTimeout() + 2);
        // a real-time bound on this caller's wait (the leases themselves follow the engine's clock)
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(limit);
        while (true) {
            if (engine.stopping()) {
                return new Passes.Result(last, Passes.stopping(gid), true);
            }
            Optional<TransGlobal> g = engine.store.findGlobal(gid);
            if (g.isEmpty()) {
                return new Passes.Result(last, null, true);
            }
            last = g.get();
            Instant now = engine.now();
            if (last.status().isFinal() || System.nanoTime() - deadline >= 0) {
                return new Passes.Result(last, null, true);
            }
            if (!TransStore.leased(last, now)) {
                Passes.Result r = passes.drive(Passes.Start.acquire(last, null));
                if (r.driven() || r.error() != null) {
                    return r;
                }
            }
            try {
                Thread.sleep(50); // polling another TM's progress in the shared store; bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Passes.Result(last, null, true);
            }
        }
    }

    /**
     * What a poller pass over a claimed transaction came to, for the poller's concurrency limit.
     *
     * @param finished the transaction is in a final status after the pass
     * @param branchErrors branch calls of the pass that got no usable answer (an error, a timeout, a refusal)
     * @param failed the pass itself failed (the store is unavailable, a storage error)
     */
    public record ClaimedPass(boolean finished, int branchErrors, boolean failed) {}

    /**
     * A poller pass over a claimed transaction (the claim is its lease): synchronous; outcomes only logged.
     * {@code branches}: its branch rows when the poller read them with the claim, else null (the pass reads them).
     */
    public ClaimedPass processClaimed(TransGlobal g, List<TransBranch> branches) {
        Passes.Result r = passes.drive(Passes.Start.leased(g, branches));
        if (r.error() != null) {
            logPassError(g.gid(), r.error());
        }
        boolean finished = r.global() != null && r.global().status().isFinal();
        return new ClaimedPass(finished, r.branchErrors(), r.error() != null);
    }

    /**
     * {@code POST /resetNextCronTime}: makes the transaction due now; when a pass is driving it at this moment
     * (its lease is live), asks that pass for one more round instead of cutting its lease short.
     */
    public void resetNextCronTime(String rawGid) {
        String gid = requireGid(rawGid);
        boolean reset;
        try {
            reset = engine.store.resetNextCronTime(gid, engine.now());
        } catch (NotFoundException e) {
            throw DtmException.notFound("no transaction with gid '" + gid + "'");
        }
        if (!reset) {
            passes.requestAnother(gid);
        }
    }

    private static void logPassError(String gid, RuntimeException e) {
        if (e instanceof StoreUnavailableException) {
            // the poller warns about the outage once; every pass it cut short would say the same
            log.debug("pass of {} stopped, the store is unavailable: {}", gid, e.getMessage());
        } else if (e instanceof DtmException d && d.kind() != DtmException.Kind.ERROR) {
            log.debug("pass of {} ended: {}", gid, d.getMessage());
        } else if (e instanceof DtmException) {
            log.info("pass of {} ended with an error: {}", gid, e.getMessage());
        } else {
            log.warn("pass of {} failed unexpectedly", gid, e);
        }
    }

    // ---------------------------------------------------------------- building new transactions

    private TransType requireType(TransRequest req) {
        requireGid(req.gid());
        String t = req.transType() == null ? "" : req.transType();
        return TransType.find(t).orElseThrow(() -> DtmException.badRequest(t.isEmpty()
                ? "trans_type is required (saga, msg, tcc, xa or workflow)"
                : "unknown trans_type '" + t + "' (expected saga, msg, tcc, xa or workflow)"));
    }

    private String requireGid(String gid) {
        if (gid == null || gid.isEmpty()) {
            throw DtmException.badRequest("gid is required");
        }
        int max = engine.config.maxGidLength();
        if (gid.length() > max) {
            throw DtmException.badRequest("gid is " + gid.length() + " characters long; at most " + max + " allowed");
        }
        return gid;
    }

    private TransGlobal load(String gid) {
        return engine.store.findGlobal(gid)
                .orElseThrow(() -> DtmException.notFound("no transaction with gid '" + gid + "'"));
    }

    private TransGlobal newGlobal(TransRequest req, TransType type, TransStatus status) {
        String protocol = req.protocol() == null || req.protocol().isEmpty() ? Ops.PROTOCOL_HTTP : req.protocol();
        if (!protocol.equals(Ops.PROTOCOL_HTTP) && !protocol.equals(Ops.PROTOCOL_GRPC)
                && !protocol.equals(Ops.PROTOCOL_JSONRPC)) {
            throw DtmException.badRequest("unknown protocol '" + protocol + "' (expected http, grpc or json-rpc)");
        }
        TransOptions o = req.options();
        if (o.timeoutToFail() < 0 || o.requestTimeout() < 0 || o.retryInterval() < 0 || o.retryLimit() < 0) {
            throw DtmException.badRequest("timeout_to_fail, request_timeout, retry_interval and retry_limit must not be negative");
        }
        limits.checkHeaders(o.branchHeaders());
        checkUrl("query_prepared", req.queryPrepared(), protocol);
        try {
            engine.caller.checkHeaders(o.branchHeaders(), protocol);
        } catch (IllegalArgumentException e) {
            throw DtmException.badRequest("branch_headers: " + e.getMessage());
        }
        Instant now = engine.now();
        engine.tracing.noteGid(req.gid());
        // ext_data: the caller's trace context, so every later pass and branch call joins its trace
        TransGlobal g = new TransGlobal(0, req.gid(), type, status, req.queryPrepared(), protocol, now, now, null,
                null, "", "", o, req.customData(), 0, null, "", engine.tracing.extData());
        long base = engine.baseInterval(g);
        return g.withSchedule(base, now.plusSeconds(base), now);
    }

    private List<TransBranch> buildBranches(TransRequest req, List<byte[]> binPayloads, TransType type,
            TransGlobal g) {
        Instant now = g.createTime();
        String protocol = g.protocol();
        List<Map<String, String>> steps = req.stepsOrEmpty();
        List<byte[]> payloads = binPayloads != null ? binPayloads : jsonPayloads(req);
        if (type != TransType.SAGA && type != TransType.MSG) {
            return List.of();
        }
        limits.checkSteps(steps.size());
        if (payloads.size() < steps.size()) {
            throw DtmException.badRequest("steps has " + steps.size() + " items but payloads has only "
                    + payloads.size() + " (one payload per step)");
        }
        String gid = req.gid();
        List<TransBranch> rows = new ArrayList<>(steps.size() * 2);
        for (int i = 0; i < steps.size(); i++) {
            Map<String, String> s = steps.get(i) == null ? Map.of() : steps.get(i);
            String id = twoDigits(i + 1);
            byte[] payload = payloads.get(i) == null ? new byte[0] : payloads.get(i);
            String action = s.getOrDefault("action", "");
            String at = "steps[" + i + "].";
            if (type == TransType.SAGA) {
                String compensate = s.getOrDefault("compensate", "");
                checkUrl(at + "action", action, protocol);
                checkUrl(at + "compensate", compensate, protocol);
                rows.add(TransBranch.create(gid, compensate, payload, id, Ops.COMPENSATE, BranchStatus.PREPARED, now));
                rows.add(TransBranch.create(gid, action, payload, id, Ops.ACTION, BranchStatus.PREPARED, now));
            } else if (action.startsWith(Ops.TOPIC_PREFIX)) {
                List<String> urls = topics.subscribers(action.substring(Ops.TOPIC_PREFIX.length()));
                for (int j = 0; j < urls.size(); j++) {
                    checkUrl(at + "action " + action + ", subscriber " + (j + 1), urls.get(j), protocol);
                    String bid = urls.size() == 1 ? id : id + "-" + twoDigits(j + 1);
                    rows.add(TransBranch.create(gid, urls.get(j), payload, bid, Ops.ACTION, BranchStatus.PREPARED, now));
                }
            } else {
                checkUrl(at + "action", action, protocol);
                rows.add(TransBranch.create(gid, action, payload, id, Ops.ACTION, BranchStatus.PREPARED, now));
            }
        }
        if (type == TransType.SAGA) {
            try {
                SagaConfig.parse(req.customData(), steps.size());
            } catch (IllegalArgumentException e) {
                throw DtmException.badRequest(e.getMessage());
            }
        }
        limits.checkBranches(rows, 0);
        return rows;
    }

    /** The JSON request's payloads as UTF-8 bytes, then (legacy clients) every non-empty {@code steps[i].data}. */
    private static List<byte[]> jsonPayloads(TransRequest req) {
        List<byte[]> payloads = new ArrayList<>();
        for (String p : req.payloadsOrEmpty()) {
            payloads.add(p == null ? null : p.getBytes(StandardCharsets.UTF_8));
        }
        for (Map<String, String> s : req.stepsOrEmpty()) {
            String legacy = s == null ? null : s.get("data");
            if (legacy != null && !legacy.isEmpty()) {
                payloads.add(legacy.getBytes(StandardCharsets.UTF_8));
            }
        }
        return payloads;
    }

    /**
     * Refuses, with a 400 naming where it was found ({@code steps[1].compensate}), a branch URL that cannot or may
     * not be called by a transaction of {@code protocol} (null: either form); an empty URL is allowed (a call
     * without effect, spec §5).
     */
    private void checkUrl(String where, String url, String protocol) {
        if (url == null || url.isEmpty()) {
            return;
        }
        try {
            engine.caller.checkUrl(url, protocol);
        } catch (IllegalArgumentException e) {
            throw DtmException.badRequest(where + ": " + e.getMessage());
        }
    }

    /** DTM's branch ids: at least two digits ({@code 01} … {@code 99}, {@code 100} …). */
    static String twoDigits(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }

    // ---------------------------------------------------------------- operator actions

    /** {@code GET /resetCronTime} (spec §3.11): pulls back transactions that backed off far into the future. */
    public ResetResult resetCronTime(Duration after, int limit) {
        if (limit <= 0) {
            throw DtmException.badRequest("limit must be a positive number, got " + limit);
        }
        return engine.store.resetCronTime(engine.now(), after, limit);
    }
}
