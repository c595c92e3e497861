package io.jdtm.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Empty;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.GrpcCalls;
import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.protocol.grpc.workflow.WorkflowData;
import io.jdtm.protocol.grpc.workflow.WorkflowGrpc;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workflow engine of one application (spec §7, §12.9; DTM's {@code workflow.InitHTTP}/{@code InitGrpc} +
 * {@code Register} + {@code Execute} + {@code ExecuteByQS}): a registry of named {@link Workflow.Handler}s, and the
 * callback the application serves so the TM can resume unfinished workflows.
 *
 * <pre>{@code
 * Workflows workflows = dtm.workflows("http://my-app:8081/api/workflow/resume");
 * workflows.register("transfer", (wf, input) -> { …; return result; });
 * byte[] result = workflows.execute("transfer", gid, input);   // or DtmFailureException / DtmOngoingException / …
 *
 * // the route for the callback URL, GET and POST:
 * RmResponse r = workflows.handleCallback(queryParams, requestBody);
 * }</pre>
 *
 * <p>Over gRPC ({@link DtmClient.Builder#grpcTarget}) the callback is the application's own gRPC server: create the
 * engine with its address and add {@link #grpcService()} to that server; the TM then calls
 * {@code <address>/workflow.Workflow/Execute} with the input in {@code WorkflowData} and the name in {@code dtm-op}:
 *
 * <pre>{@code
 * Workflows workflows = dtm.workflows("my-app:50051");          // callback my-app:50051/workflow.Workflow/Execute
 * Server server = ServerBuilder.forPort(50051).addService(workflows.grpcService())…;
 * }</pre>
 *
 * <p>{@link #execute}: {@code prepareWorkflow}; a finished gid returns its stored result (or throws its FAILURE)
 * without running anything; otherwise the handler runs, replaying recorded steps; then phase 2 (commit or rollback
 * callbacks) and {@code submit} with {@code req_extra} {@code {status, rollback_reason, result}}. An ONGOING or
 * unknown outcome of a step stops the execution without phase 2 or submit: the TM calls the callback URL about every
 * retry interval until a run finishes.
 *
 * <p><b>Rollback is sticky</b> (jdtm's answer to DTM issue 453): before the first rollback callback runs, the
 * decision is recorded as progress row (branch {@code 00}, op {@code rollback}, status {@code succeed}, data = reason). A later run of the
 * same gid never sends an unrecorded forward step again — it throws FAILURE instead — and always ends in rollback.
 * Without this, a TCC Try re-sent after its Cancel ran is stopped by the barrier, answers 200 as the barrier
 * prescribes, and a workflow that does not replay exactly would record it as a success and confirm a Try that never
 * happened. The row is an ordinary workflow progress row for the TM (DTM accepts it too).
 *
 * <p>Thread-safe. Registration is meant for start-up. Runs of the same gid in this process are never concurrent:
 * a second one (typically the TM's callback arriving while the first still runs) gets {@link DtmOngoingException}.
 * Runs of the same gid in two processes are not prevented (as in DTM); handlers and branches must tolerate it.
 */
public final class Workflows {

    /** The gRPC method the TM calls to resume a workflow (DTM's {@code wf.proto}). */
    public static final String GRPC_CALLBACK_METHOD = "workflow.Workflow/Execute";

    private record Registered(Workflow.Handler handler, WorkflowOptions options) {}

    private final DtmClient client;
    private final String callbackUrl;
    private final Map<String, Registered> handlers = new ConcurrentHashMap<>();
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    private Workflows(DtmClient client, String callbackUrl) {
        this.client = client;
        this.callbackUrl = callbackUrl;
    }

    /**
     * A workflow engine over {@code client} whose resume callback is {@code callback} (the {@code query_prepared} of
     * every workflow it starts). Same as {@link DtmClient#workflows(String)}. Over HTTP {@code callback} is a URL this
     * application serves with {@link #handleCallback}; over gRPC it is the {@code host:port} of this application's
     * gRPC server, which serves {@link #grpcService()} (the SDK appends {@value #GRPC_CALLBACK_METHOD}).
     *
     * @throws IllegalArgumentException the callback is empty, or over gRPC has a {@code scheme://}
     */
    public static Workflows create(DtmClient client, String callback) {
        Checks.notNull("client", client);
        Checks.url("workflow callback URL", callback);
        if (Ops.PROTOCOL_GRPC.equals(client.protocol())) {
            if (callback.contains("://")) {
                throw new IllegalArgumentException("over gRPC the workflow callback is the host:port of this "
                        + "application's gRPC server (serving grpcService()), was '" + callback + "'");
            }
            String suffix = "/" + GRPC_CALLBACK_METHOD;
            return new Workflows(client, callback.endsWith(suffix) ? callback : callback + suffix);
        }
        return new Workflows(client, callback);
    }

    public String callbackUrl() {
        return callbackUrl;
    }

    /** Registers a workflow with default options. */
    public Workflows register(String name, Workflow.Handler handler) {
        return register(name, WorkflowOptions.builder().transactionOptions(client.defaultOptions()).build(), handler);
    }

    /**
     * Registers a workflow under {@code name} (the name the TM's callback carries as {@code op}).
     *
     * @throws IllegalArgumentException the name is empty or already registered
     */
    public Workflows register(String name, WorkflowOptions options, Workflow.Handler handler) {
        Checks.url("workflow name", name);
        Checks.notNull("options", options);
        Checks.notNull("workflow handler", handler);
        if (handlers.putIfAbsent(name, new Registered(handler, options)) != null) {
            throw new IllegalArgumentException("a workflow named '" + name + "' is registered already");
        }
        return this;
    }

    /** Whether a workflow with this name is registered. */
    public boolean isRegistered(String name) {
        return name != null && handlers.containsKey(name);
    }

    /**
     * Runs (or resumes) workflow {@code name} as global transaction {@code gid} with {@code input}.
     *
     * @return the handler's result, or the stored result when {@code gid} already succeeded
     * @throws DtmFailureException the workflow rolled back (now or earlier); the message is the rollback reason
     * @throws DtmOngoingException a step answered ONGOING, or this gid is already running in this process
     * @throws DtmUnknownException a step, callback or TM call had an unknown outcome; the TM resumes it later
     * @throws IllegalArgumentException {@code name} is not registered, or an argument is null/empty
     */
    public byte[] execute(String name, String gid, byte[] input) {
        Checks.gid(gid);
        Checks.notNull("input", input);
        Registered r = registered(name);
        if (!running.add(gid)) {
            throw new DtmOngoingException("workflow " + gid + " is already running in this process", gid);
        }
        try {
            return run(name, r, gid, input);
        } finally {
            running.remove(gid);
        }
    }

    /** {@link #execute(String, String, byte[])} with a UTF-8 text input and result. */
    public String execute(String name, String gid, String input) {
        Checks.notNull("input", input);
        return new String(execute(name, gid, input.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /**
     * Serves the TM's resume callback (spec §7.3): {@code GET|POST <callbackUrl>?gid=…&trans_type=workflow&
     * branch_id=00&op=<name>} with the input as body. Wire it to the callback URL's route for both methods and send
     * the returned status and body. Never throws.
     *
     * @param query the request's query parameters (e.g. {@link RmResponses#parseQuery})
     * @param body the request body; {@code null} or empty for none
     * @return 200 finished, 409 rolled back, 425 ongoing, 500 anything else (the TM calls again later anyway)
     */
    public RmResponse handleCallback(Map<String, String> query, byte[] body) {
        return RmResponses.handle(() -> {
            Checks.notNull("query", query);
            String name = query.get("op");
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("workflow callback without the 'op' (workflow name) parameter");
            }
            String gid = query.get("gid");
            if (gid == null || gid.isEmpty()) {
                throw new IllegalArgumentException("workflow callback without the 'gid' parameter");
            }
            execute(name, gid, body == null ? new byte[0] : body);
        });
    }

    /**
     * The gRPC service {@code workflow.Workflow} (spec §7.3, DTM's {@code wf.proto}) that resumes workflows when the
     * TM calls {@code Execute}: the workflow name comes from metadata {@code dtm-op}, the gid from {@code dtm-gid},
     * the input from {@code WorkflowData.Data}. The outcome is answered as DTM's SDK does: OK finished, ABORTED rolled
     * back, FAILED_PRECONDITION ongoing, INVALID_ARGUMENT for a call without name or gid, UNKNOWN otherwise (the TM
     * calls again later anyway). Add it to the application's gRPC server; {@code Execute} blocks while the workflow
     * runs, so give the server an executor that may block (grpc-java's default, or virtual threads).
     */
    public ServerServiceDefinition grpcService() {
        return ServerServiceDefinition.builder(WorkflowGrpc.getServiceDescriptor())
                .addMethod(WorkflowGrpc.getExecuteMethod(), executeHandler())
                .build();
    }

    private ServerCallHandler<WorkflowData, Empty> executeHandler() {
        return (call, headers) -> {
            String name = GrpcCalls.get(headers, GrpcCalls.PREFIX + "op");
            String gid = GrpcCalls.get(headers, GrpcCalls.PREFIX + "gid");
            ServerCallHandler<WorkflowData, Empty> unary = ServerCalls.asyncUnaryCall((data, out) -> {
                try {
                    if (name.isEmpty()) {
                        throw new IllegalArgumentException("workflow callback without the 'dtm-op' (workflow name) "
                                + "metadata");
                    }
                    if (gid.isEmpty()) {
                        throw new IllegalArgumentException("workflow callback without the 'dtm-gid' metadata");
                    }
                    execute(name, gid, data.getData().toByteArray());
                } catch (Exception e) {
                    out.onError(GrpcCalls.statusOf(e).asRuntimeException());
                    return;
                }
                out.onNext(Empty.getDefaultInstance());
                out.onCompleted();
            });
            return unary.startCall(call, headers);
        };
    }

    private Registered registered(String name) {
        Checks.url("workflow name", name);
        Registered r = handlers.get(name);
        if (r == null) {
            throw new IllegalArgumentException("no workflow named '" + name + "' is registered (registered: "
                    + handlers.keySet() + ")");
        }
        return r;
    }

    private byte[] run(String name, Registered r, String gid, byte[] input) {
        JsonNode reply = client.transport().prepareWorkflow(prepareRequest(name, gid, input, r.options()));
        JsonNode t = reply.path("transaction");
        String status = t.path("status").asText("");
        if (status.equals("succeed")) {
            return storedResult(gid, decode(t.path("result").asText("")));
        }
        if (status.equals("failed")) {
            throw new DtmFailureException(t.path("rollback_reason").asText(""), gid);
        }
        Workflow wf = new Workflow(client, name, gid, r.options(), progresses(reply.path("progresses")));

        byte[] result = new byte[0];
        DtmFailureException failure = null;
        try {
            byte[] out = r.handler().run(wf, input);
            result = out == null ? new byte[0] : out;
        } catch (DtmFailureException f) {
            failure = f;
        } catch (RuntimeException e) {
            throw e; // ONGOING, unknown outcome or a bug: no decision, the TM calls back later
        } catch (Exception e) {
            throw new DtmUnknownException("workflow " + name + " (" + gid + ") failed: " + e, gid, e);
        }

        Optional<String> decided = wf.rollbackDecision();
        if (failure != null || decided.isPresent()) {
            DtmFailureException cause = failure;
            String reason = decided.orElseGet(() -> String.valueOf(cause.getMessage()));
            wf.decideRollback(reason);
            wf.finish(false);
            submit(gid, "failed", reason, new byte[0]);
            throw new DtmFailureException(reason, gid, failure);
        }
        wf.finish(true);
        return submit(gid, "succeed", "", result);
    }

    private TransRequest prepareRequest(String name, String gid, byte[] input, WorkflowOptions o) {
        ObjectNode cd = DtmJson.mapper().createObjectNode();
        if (input.length == 0) {
            cd.putNull("data");
        } else {
            cd.put("data", Base64.getEncoder().encodeToString(input));
        }
        cd.put("name", name);
        TransactionOptions t = o.transactionOptions();
        return new TransRequest(gid, TransType.WORKFLOW.wire(), null, null, callbackUrl, client.protocol(),
                DtmJson.write(cd), null, positive(t.timeoutToFailSeconds()), positive(t.requestTimeoutSeconds()),
                positive(t.retryIntervalSeconds()), t.branchHeaders().isEmpty() ? null : t.branchHeaders(), null,
                null, null, null, null);
    }

    /**
     * {@code submit} with the decision (spec §7.2 step 6). If the TM refuses because another run of the same gid
     * finished first, that run's outcome is reported.
     */
    private byte[] submit(String gid, String status, String reason, byte[] result) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("status", status);
        extra.put("rollback_reason", reason);
        extra.put("result", Base64.getEncoder().encodeToString(result));
        TransRequest req = new TransRequest(gid, TransType.WORKFLOW.wire(), null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, extra);
        try {
            client.transport().submit(req, List.of());
            return result;
        } catch (DtmException e) {
            Optional<TransInfo> now;
            try {
                now = client.query(gid);
            } catch (RuntimeException q) {
                e.addSuppressed(q);
                throw e;
            }
            if (now.isPresent() && now.get().status() == TransStatus.SUCCEED) {
                return decode(now.get().result());
            }
            if (now.isPresent() && now.get().status() == TransStatus.FAILED) {
                throw new DtmFailureException(now.get().rollbackReason(), gid, e);
            }
            throw e;
        }
    }

    /**
     * The stored result of a finished workflow. DTM's gRPC {@code PrepareWorkflow} never fills it (spec §7.2): a gRPC
     * client then asks {@code query} over HTTP when it has the TM's HTTP address, and returns empty bytes otherwise.
     */
    private byte[] storedResult(String gid, byte[] fromPrepare) {
        if (fromPrepare.length > 0 || !Ops.PROTOCOL_GRPC.equals(client.protocol())) {
            return fromPrepare;
        }
        try {
            return client.query(gid).map(t -> decode(t.result())).orElse(fromPrepare);
        } catch (UnsupportedOperationException noQuery) {
            return fromPrepare;
        }
    }

    private static Map<String, Workflow.Progress> progresses(JsonNode list) {
        Map<String, Workflow.Progress> m = new LinkedHashMap<>();
        for (JsonNode p : list) {
            BranchStatus s;
            try {
                s = BranchStatus.parse(p.path("status").asText(""));
            } catch (IllegalArgumentException e) {
                continue; // not an outcome this SDK records
            }
            m.put(Workflow.key(p.path("branch_id").asText(""), p.path("op").asText("")),
                    new Workflow.Progress(s, decode(p.path("bin_data").asText(""))));
        }
        return m;
    }

    private static byte[] decode(String base64) {
        if (base64.isEmpty()) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return base64.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static Long positive(long v) {
        return v > 0 ? v : null;
    }

    @Override
    public String toString() {
        return "Workflows{callback " + callbackUrl + ", registered " + handlers.keySet() + "}";
    }
}
