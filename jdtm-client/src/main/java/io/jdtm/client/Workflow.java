package io.jdtm.client;

import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.GrpcCalls;
import io.jdtm.client.internal.Http;
import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.Outcome;
import io.jdtm.protocol.TransType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One execution of a registered workflow (spec §7), handed to its {@link Handler}. The handler drives the business
 * steps itself; every forward step is <em>recorded</em> at the TM, so when the workflow runs again for the same gid
 * (after a crash, an error, or the TM's resume callback) recorded steps return their stored outcome without running
 * again.
 *
 * <pre>{@code
 * workflows.register("transfer", (wf, input) -> {
 *     wf.newBranch().onRollback(bb -> wf.post(svc + "/TransOutRevert", req));
 *     wf.post(svc + "/TransOut", req);                     // recorded as branch 01, op action
 *     wf.newBranch().onRollback(bb -> wf.post(svc + "/TransInRevert", req));
 *     wf.post(svc + "/TransIn", req);                      // 409 → DtmFailureException → rollback 02, 01
 *     return "done".getBytes(UTF_8);
 * });
 * }</pre>
 *
 * <p>Rules the handler must follow, as in DTM: call {@link #newBranch()} before each branch (ids {@code 01},
 * {@code 02}, …); at most one forward step ({@link #doStep}, {@link #post}, {@link #http}, {@link #grpc}), one
 * {@link #onCommit} and one {@link #onRollback} per branch; be deterministic given the recorded outcomes (a re-run
 * must reach the same branches in the same order); let {@link DtmFailureException} propagate to roll back, and any
 * other exception to stop without a decision (the TM calls back later and the workflow resumes). Callbacks run after
 * the handler returns, in reverse registration order, each recorded under (branch, {@code commit}|{@code rollback}).
 *
 * <p>Not thread-safe: one execution runs on one thread.
 */
public final class Workflow {

    /** A workflow's code: returns the result (may be empty) or throws {@link DtmFailureException} to roll back. */
    @FunctionalInterface
    public interface Handler {
        byte[] run(Workflow wf, byte[] input) throws Exception;
    }

    /** A local forward step: returns its result bytes (recorded), throws {@link DtmFailureException} to refuse. */
    @FunctionalInterface
    public interface Step {
        byte[] run(BranchBarrier barrier) throws Exception;
    }

    /** A phase-2 callback (commit or rollback of one branch); it must succeed eventually. */
    @FunctionalInterface
    public interface Callback {
        void run(BranchBarrier barrier) throws Exception;
    }

    /** A callback for both phase-2 directions. */
    @FunctionalInterface
    public interface FinishCallback {
        void run(BranchBarrier barrier, boolean isRollback) throws Exception;
    }

    /**
     * The progress row jdtm records before running any rollback callback: branch {@value}, op {@code rollback},
     * status {@code succeed} ("the decision is taken"), data = the rollback reason. Once present, the workflow only rolls back (see {@link Workflows}, "rollback is
     * sticky").
     */
    static final String DECISION_BRANCH = Ops.QUERY_PREPARED_BRANCH_ID;

    record Progress(BranchStatus status, byte[] data) {}

    private record Phase2(String branchId, Callback callback) {}

    private final DtmClient client;
    private final String name;
    private final String gid;
    private final WorkflowOptions options;
    private final Map<String, Progress> progress;
    private final BranchIdGenerator ids = new BranchIdGenerator();
    private final List<Phase2> commits = new ArrayList<>();
    private final List<Phase2> rollbacks = new ArrayList<>();
    private final Set<String> refusedBranches = new HashSet<>();
    private String branchId = "";
    private String op = Ops.ACTION;
    private boolean actionAdded;
    private boolean commitAdded;
    private boolean rollbackAdded;

    Workflow(DtmClient client, String name, String gid, WorkflowOptions options, Map<String, Progress> progress) {
        this.client = client;
        this.name = name;
        this.gid = gid;
        this.options = options;
        this.progress = new LinkedHashMap<>(progress);
    }

    public String name() {
        return name;
    }

    public String gid() {
        return gid;
    }

    /** The current branch id, {@code ""} before the first {@link #newBranch()}. */
    public String branchId() {
        return branchId;
    }

    /** The current op: {@code action} while the handler runs, {@code commit} or {@code rollback} in phase 2. */
    public String op() {
        return op;
    }

    /**
     * Starts the next branch ({@code 01}, {@code 02}, …); following steps and callbacks belong to it.
     *
     * @throws IllegalStateException inside a phase-2 callback, or after 99 branches
     */
    public Workflow newBranch() {
        if (!Ops.ACTION.equals(op)) {
            throw new IllegalStateException("newBranch() must not be called inside a " + op + " callback");
        }
        branchId = ids.next();
        actionAdded = false;
        commitAdded = false;
        rollbackAdded = false;
        return this;
    }

    /** Registers the current branch's rollback (saga compensation, TCC cancel); runs only if the workflow fails. */
    public Workflow onRollback(Callback callback) {
        Checks.notNull("rollback callback", callback);
        requireBranch("onRollback");
        if (rollbackAdded) {
            throw new IllegalStateException("branch " + branchId + " already has a rollback callback");
        }
        rollbackAdded = true;
        rollbacks.add(new Phase2(branchId, callback));
        return this;
    }

    /** Registers the current branch's commit (TCC confirm); runs only if the workflow succeeds. */
    public Workflow onCommit(Callback callback) {
        Checks.notNull("commit callback", callback);
        requireBranch("onCommit");
        if (commitAdded) {
            throw new IllegalStateException("branch " + branchId + " already has a commit callback");
        }
        commitAdded = true;
        commits.add(new Phase2(branchId, callback));
        return this;
    }

    /** {@link #onCommit} and {@link #onRollback} with one callback told which direction it runs in. */
    public Workflow onFinish(FinishCallback callback) {
        Checks.notNull("finish callback", callback);
        onCommit(bb -> callback.run(bb, false));
        return onRollback(bb -> callback.run(bb, true));
    }

    /**
     * Runs a local forward step of the current branch, recorded at the TM: its result bytes on success, its message
     * on {@link DtmFailureException}. When the step is already recorded, the stored outcome is returned (or thrown)
     * without running it. Other exceptions are not recorded and propagate, so the step runs again on resume.
     *
     * @throws DtmFailureException the step refused now or in an earlier run
     * @throws DtmUnknownException recording failed, or the step threw a checked exception
     * @throws IllegalStateException outside a branch, in phase 2, or a second forward step in the branch
     */
    public byte[] doStep(Step step) {
        Checks.notNull("step", step);
        return forward("local step", step);
    }

    /**
     * A recorded {@code POST} of {@code payload} as JSON to a branch URL, with query parameters {@code gid},
     * {@code trans_type=workflow}, {@code branch_id} and {@code op}. Inside a phase-2 callback the call is made with
     * op {@code commit}/{@code rollback} and not recorded on its own (the callback is).
     *
     * @return the answer; a replayed answer has status 200 and the recorded body
     * @throws DtmFailureException the URL answered 409 (now or when recorded)
     * @throws DtmOngoingException the URL answered 425 (not recorded)
     * @throws DtmUnknownException any other status or a transport error (not recorded)
     */
    public BranchResponse post(String url, Object payload) {
        return http("POST", url, Map.of(), Checks.payload(client.mapper(), "workflow request payload", payload));
    }

    /**
     * A recorded HTTP call (see {@link #post}) with any method, extra headers and a raw body ({@code null}: none).
     * The answer is classified by status code only (spec §7.4): 200 success, 409 FAILURE, 425 ONGOING, else error.
     */
    public BranchResponse http(String method, String url, Map<String, String> headers, String body) {
        Checks.url("workflow HTTP method", method);
        Checks.url("workflow branch URL", url);
        Checks.notNull("headers", headers);
        if (!Ops.ACTION.equals(op)) {
            String text = call(method, url, headers, body);
            return new BranchResponse(200, text);
        }
        byte[] r = forward("HTTP " + method + " " + url,
                bb -> call(method, url, headers, body).getBytes(StandardCharsets.UTF_8));
        return new BranchResponse(200, new String(r, StandardCharsets.UTF_8));
    }

    /**
     * A recorded gRPC call of a branch method {@code host:port/package.Service/Method} with {@code request} and the
     * metadata {@code dtm-gid}, {@code dtm-trans_type=workflow}, {@code dtm-branch_id}, {@code dtm-op},
     * {@code dtm-dtm} (as DTM's workflow gRPC interceptor sends them, spec §7.4). The status is classified by spec
     * §2.3: OK records the encoded reply, ABORTED records its message and throws {@link DtmFailureException}; other
     * statuses are not recorded. A replayed success returns the recorded reply. Inside a phase-2 callback the call is
     * made with op {@code commit}/{@code rollback} and not recorded on its own (the callback is). Needs a client that
     * talks gRPC to the TM, since the reply is recorded as bytes.
     *
     * @param replyType the reply type, e.g. {@code Empty.getDefaultInstance()}
     * @throws DtmFailureException the method answered ABORTED (now or when recorded)
     * @throws DtmOngoingException the method answered FAILED_PRECONDITION (not recorded)
     * @throws DtmUnknownException any other status (not recorded), or a reply that is not a {@code replyType}
     * @throws IllegalStateException the client talks HTTP to the TM
     */
    public <T extends MessageLite> T grpc(String url, MessageLite request, T replyType) {
        Checks.notNull("request", request);
        Checks.notNull("reply type", replyType);
        return Branches.parse(grpcBinary(url, request.toByteArray()), replyType, "gRPC call of " + url, gid);
    }

    /** {@link #grpc(String, MessageLite, MessageLite)} with encoded bytes in and out. */
    public byte[] grpcBinary(String url, byte[] request) {
        Checks.url("workflow branch URL", url);
        Checks.notNull("request", request);
        Branches.requireGrpc(client, "a recorded gRPC call in a workflow");
        if (!Ops.ACTION.equals(op)) {
            return callGrpc(url, request);
        }
        return forward("gRPC call of " + url, bb -> callGrpc(url, request));
    }

    private byte[] callGrpc(String url, byte[] request) {
        Metadata md = GrpcCalls.metadata(gid, TransType.WORKFLOW.wire(), branchId, op, client.serverUrl(), Map.of(),
                options.transactionOptions().branchHeaders());
        long t = options.transactionOptions().requestTimeoutSeconds();
        try {
            return GrpcCalls.invoke(client.channels(), url, request, md,
                    t > 0 ? Duration.ofSeconds(t) : client.requestTimeout());
        } catch (StatusRuntimeException e) {
            DtmException d = GrpcCalls.error(op + " of branch " + branchId + " at " + url + " answered ", gid, e);
            if (d instanceof DtmFailureException) {
                // recorded as the step's outcome: the RM's own words, as the HTTP flavour records the body
                String m = e.getStatus().getDescription();
                throw new DtmFailureException(m == null ? "" : m, gid, e);
            }
            throw d;
        }
    }

    private String call(String method, String url, Map<String, String> headers, String body) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("gid", gid);
        q.put("trans_type", TransType.WORKFLOW.wire());
        q.put("branch_id", branchId);
        q.put("op", op);
        Map<String, String> h = new LinkedHashMap<>(options.transactionOptions().branchHeaders());
        h.putAll(headers);
        long t = options.transactionOptions().requestTimeoutSeconds();
        Http.Response r;
        try {
            r = client.http().send(method, Http.withQuery(url, q), h, body, t > 0 ? Duration.ofSeconds(t) : null);
        } catch (IOException e) {
            throw new DtmUnknownException(op + " call of branch " + branchId + " to " + url + " failed: " + e, gid, e);
        }
        String text = op + " of branch " + branchId + " at " + url + " answered " + r.status() + ": " + r.body();
        return switch (Outcome.ofHttpStatus(r.status())) {
            case SUCCESS -> r.body();
            case FAILURE -> throw new DtmFailureException(r.body(), gid);
            case ONGOING -> throw new DtmOngoingException(text, gid);
            case ERROR -> throw new DtmUnknownException(text, gid, r.status(), null);
        };
    }

    private void requireBranch(String what) {
        if (!Ops.ACTION.equals(op)) {
            throw new IllegalStateException(what + " must not be called inside a " + op + " callback");
        }
        if (branchId.isEmpty()) {
            throw new IllegalStateException("call newBranch() before " + what);
        }
    }

    /** The recorded forward step of the current branch (spec §7.2 step 3). */
    private byte[] forward(String what, Step step) {
        requireBranch(what);
        if (actionAdded) {
            throw new IllegalStateException("branch " + branchId + " already has a forward step; call newBranch()");
        }
        actionAdded = true;
        Progress p = progress.get(key(branchId, Ops.ACTION));
        if (p != null) {
            if (p.status() == BranchStatus.FAILED) {
                refusedBranches.add(branchId);
                throw new DtmFailureException(utf8(p.data()), gid);
            }
            return p.data();
        }
        Optional<String> decided = rollbackDecision();
        if (decided.isPresent()) {
            // An earlier run decided to roll back (and may have compensated this branch already): never send a
            // forward step again. A TCC Try blocked by the barrier would answer 200 and look like a success (U15).
            throw new DtmFailureException("workflow " + gid + " is rolling back (" + decided.get() + "); " + what
                    + " of branch " + branchId + " was not run", gid);
        }
        byte[] result;
        try {
            result = step.run(BranchBarrier.of(TransType.WORKFLOW.wire(), gid, branchId, Ops.ACTION));
        } catch (DtmFailureException f) {
            String message = f.getMessage() == null ? "" : f.getMessage();
            record(branchId, Ops.ACTION, BranchStatus.FAILED, message.getBytes(StandardCharsets.UTF_8));
            refusedBranches.add(branchId);
            throw f.gid().isPresent() ? f : new DtmFailureException(message, gid, f);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new DtmUnknownException(what + " of branch " + branchId + " failed: " + e, gid, e);
        }
        byte[] data = result == null ? new byte[0] : result;
        record(branchId, Ops.ACTION, BranchStatus.SUCCEED, data);
        return data;
    }

    /** The rollback reason an earlier run decided on, if it did. */
    Optional<String> rollbackDecision() {
        Progress p = progress.get(key(DECISION_BRANCH, Ops.ROLLBACK));
        return p == null ? Optional.empty() : Optional.of(utf8(p.data()));
    }

    /** Records the decision to roll back, once, before any rollback callback runs. */
    void decideRollback(String reason) {
        if (rollbackDecision().isEmpty()) {
            record(DECISION_BRANCH, Ops.ROLLBACK, BranchStatus.SUCCEED, reason.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Phase 2 (spec §7.2 step 5): commit or rollback callbacks in reverse registration order, each recorded and
     * skipped when already recorded. A refused branch's rollback is left out unless {@code compensateErrorBranch}.
     *
     * @throws DtmException a callback failed; nothing is submitted and the next resume continues from here
     */
    void finish(boolean commit) {
        op = commit ? Ops.COMMIT : Ops.ROLLBACK;
        List<Phase2> items = commit ? commits : rollbacks;
        for (int i = items.size() - 1; i >= 0; i--) {
            Phase2 item = items.get(i);
            if (!commit && !options.compensateErrorBranch() && refusedBranches.contains(item.branchId())) {
                continue;
            }
            branchId = item.branchId();
            if (progress.containsKey(key(branchId, op))) {
                continue;
            }
            try {
                item.callback().run(BranchBarrier.of(TransType.WORKFLOW.wire(), gid, branchId, op));
            } catch (DtmFailureException f) {
                throw new DtmUnknownException("the " + op + " callback of branch " + branchId + " answered FAILURE, "
                        + "but phase 2 must succeed eventually; it runs again on the next resume: " + f.getMessage(),
                        gid, f);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new DtmUnknownException("the " + op + " callback of branch " + branchId + " failed: " + e, gid,
                        e);
            }
            record(branchId, op, BranchStatus.SUCCEED, new byte[0]);
        }
    }

    /** Saves a classified outcome with {@code registerBranch} (spec §7.2 step 3). */
    private void record(String branch, String recordOp, BranchStatus status, byte[] data) {
        Map<String, String> b = new LinkedHashMap<>();
        b.put("gid", gid);
        b.put("trans_type", TransType.WORKFLOW.wire());
        b.put("branch_id", branch);
        b.put("op", recordOp);
        b.put("status", status.wire());
        client.transport().registerBranch(b, data);
        progress.put(key(branch, recordOp), new Progress(status, data));
    }

    static String key(String branch, String op) {
        return branch + "-" + op;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Workflow{" + name + " " + gid + " branch " + branchId + " op " + op + "}";
    }
}
