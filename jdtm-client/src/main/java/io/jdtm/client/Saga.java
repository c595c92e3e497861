package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.Payload;
import io.jdtm.client.internal.Steps;
import io.jdtm.client.internal.Wire;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A saga (spec §6.7, §12.3): steps with an action and a compensation, run by the TM in order (or concurrently, with
 * optional ordering constraints); when an action answers FAILURE the TM runs the compensations of the steps done so
 * far, in reverse. Build it fluently and {@link #submit()}:
 *
 * <pre>{@code
 * dtm.saga(gid)
 *    .add(svc + "/TransOut", svc + "/TransOutRevert", req)
 *    .add(svc + "/TransIn", svc + "/TransInRevert", req)
 *    .retryInterval(Duration.ofSeconds(15))
 *    .submit();
 * }</pre>
 *
 * <p>Over gRPC ({@link DtmClient.Builder#grpcTarget}) the steps may be gRPC methods taking protobuf messages, as with
 * DTM's {@code dtmgrpc.NewSagaGrpc} (spec §12.8); a message passed to {@link #add} is sent encoded:
 *
 * <pre>{@code
 * BusiReq req = BusiReq.newBuilder().setAmount(30).build();
 * dtm.saga(gid)
 *    .add("bank:50051/busi.Busi/TransOut", "bank:50051/busi.Busi/TransOutRevert", req)
 *    .add("bank:50051/busi.Busi/TransIn", "bank:50051/busi.Busi/TransInRevert", req)
 *    .submit();
 * }</pre>
 *
 * <p>Immutable and thread-safe: every method returns a new saga, so a saga can be kept as a template. Mirrors
 * {@code POST /submit} (gRPC {@code Submit}) with {@code trans_type=saga}; submitting the same gid again is idempotent
 * while the saga is running (the TM re-drives it) and fails once it has finished.
 */
public final class Saga {

    private final DtmClient client;
    private final String gid;
    private final Steps steps;
    private final Map<Integer, List<Integer>> orders;
    private final boolean concurrent;
    private final TransactionOptions options;
    private final String customData;

    Saga(DtmClient client, String gid) {
        this(client, gid, Steps.NONE, Map.of(), false, client.defaultOptions(), "");
    }

    private Saga(DtmClient client, String gid, Steps steps, Map<Integer, List<Integer>> orders,
            boolean concurrent, TransactionOptions options, String customData) {
        this.client = client;
        this.gid = gid;
        this.steps = steps;
        this.orders = orders;
        this.concurrent = concurrent;
        this.options = options;
        this.customData = customData;
    }

    public String gid() {
        return gid;
    }

    /**
     * Adds a step. {@code payload} is sent to both URLs: a protobuf message (for gRPC methods) encoded, anything else
     * serialised to JSON with the client's mapper.
     *
     * @param action the action URL (required): {@code http://…}, or {@code host:port/package.Service/Method} over gRPC
     * @param compensate the compensation URL; {@code ""} when the step needs none
     * @throws IllegalArgumentException when the action URL is empty, compensate is null or the payload cannot be
     *     serialised
     */
    public Saga add(String action, String compensate, Object payload) {
        return add(action, compensate, Payload.of(client.mapper(), "payload of saga step " + steps.size(), payload));
    }

    /** Adds a step whose body is sent verbatim ({@code ""} makes the TM call HTTP URLs with GET). */
    public Saga addRaw(String action, String compensate, String body) {
        Checks.notNull("body of saga step " + steps.size(), body);
        return add(action, compensate, Payload.text(body));
    }

    /**
     * Adds a step whose payload is sent as these bytes, e.g. an encoded protobuf message for gRPC methods (needs the
     * gRPC transport: DTM's HTTP API carries only text).
     */
    public Saga addBinary(String action, String compensate, byte[] payload) {
        Checks.notNull("payload of saga step " + steps.size(), payload);
        return add(action, compensate, Payload.binary(payload.clone()));
    }

    private Saga add(String action, String compensate, Payload payload) {
        Checks.url("saga action URL of step " + steps.size(), action);
        Checks.notNull("saga compensate URL of step " + steps.size() + " (use \"\" for none)", compensate);
        Steps s = steps.add(Map.of("action", action, "compensate", compensate), payload);
        return new Saga(client, gid, s, orders, concurrent, options, customData);
    }

    /**
     * Step {@code step} (0-based) may start only after every step in {@code prerequisites} succeeded. Meaningful with
     * {@link #concurrent()}; the TM also honours it otherwise.
     */
    public Saga addBranchOrder(int step, int... prerequisites) {
        if (step < 0) {
            throw new IllegalArgumentException("saga step index must be >= 0, was " + step);
        }
        Checks.notNull("prerequisites", prerequisites);
        for (int p : prerequisites) {
            if (p < 0 || p == step) {
                throw new IllegalArgumentException("saga step " + step + " cannot depend on step " + p);
            }
        }
        Map<Integer, List<Integer>> o = new TreeMap<>(orders);
        List<Integer> list = new ArrayList<>(o.getOrDefault(step, List.of()));
        Arrays.stream(prerequisites).forEach(list::add);
        o.put(step, List.copyOf(list));
        return new Saga(client, gid, steps, Map.copyOf(o), concurrent, options, customData);
    }

    /** Lets the TM run actions (and compensations) in parallel, limited by {@link #addBranchOrder}. */
    public Saga concurrent() {
        return new Saga(client, gid, steps, orders, true, options, customData);
    }

    /** Replaces all options. */
    public Saga options(TransactionOptions o) {
        return new Saga(client, gid, steps, orders, concurrent, Checks.notNull("options", o), customData);
    }

    /** {@code submit} returns only after the TM's first processing pass; see {@link #submit()}. */
    public Saga waitResult(boolean v) {
        return options(options.toBuilder().waitResult(v).build());
    }

    /** Roll back when not finished after this long (sagas have no timeout by default). */
    public Saga timeoutToFail(Duration d) {
        return options(options.toBuilder().timeoutToFail(d).build());
    }

    /** Base interval between the TM's retries of a failing branch (doubled after each error). */
    public Saga retryInterval(Duration d) {
        return options(options.toBuilder().retryInterval(d).build());
    }

    /** Timeout of each TM→RM call of this saga (and of the SDK's own submit). */
    public Saga requestTimeout(Duration d) {
        return options(options.toBuilder().requestTimeout(d).build());
    }

    /** Immediate retries of a branch before the saga rolls back. */
    public Saga retryLimit(long n) {
        return options(options.toBuilder().retryLimit(n).build());
    }

    /** A header sent on every TM→RM call of this saga. */
    public Saga branchHeader(String name, String value) {
        return options(options.toBuilder().branchHeader(name, value).build());
    }

    /** Raw {@code custom_data}; cannot be combined with {@link #concurrent()} or branch orders, which use it. */
    public Saga customData(String json) {
        return new Saga(client, gid, steps, orders, concurrent, options, Checks.notNull("customData", json));
    }

    /**
     * Submits the saga ({@code POST /submit}). Without {@code waitResult} it returns once the TM stored it.
     * With {@code waitResult} it returns when the saga succeeded, and otherwise throws {@link DtmFailureException}
     * (rolled back; carries the reason) or {@link DtmOngoingException} (still running; query later). Because DTM
     * answers 409 for both, the SDK queries the transaction to tell them apart; a retried {@code waitResult} submit of
     * a gid that already succeeded therefore returns normally (without running anything again), while a plain submit
     * of a finished gid throws DTM's non-retryable conflict.
     *
     * @throws IllegalStateException when the saga has no step or a branch order names a missing step
     * @throws DtmUnknownException when the TM cannot be reached (retryable: submit is idempotent per gid)
     */
    public void submit() {
        TransRequest r = request();
        Branches.checkSteps(client, steps);
        Submits.submit(client, r, steps.binPayloads());
    }

    /** The exact body {@link #submit()} sends. */
    TransRequest request() {
        if (steps.isEmpty()) {
            throw new IllegalStateException("saga " + gid + " has no steps");
        }
        orders.forEach((step, pre) -> {
            for (int i : concat(step, pre)) {
                if (i >= steps.size()) {
                    throw new IllegalStateException("saga " + gid + " branch order names step " + i + " but there are "
                            + steps.size() + " steps");
                }
            }
        });
        String cd = customData;
        if (concurrent || !orders.isEmpty()) {
            if (!cd.isEmpty()) {
                throw new IllegalStateException("saga " + gid + ": customData cannot be combined with concurrent or "
                        + "branch orders (they are sent in custom_data)");
            }
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("concurrent", concurrent);
            Map<String, List<Integer>> o = new TreeMap<>();
            orders.forEach((k, v) -> o.put(Integer.toString(k), v));
            c.put("orders", o);
            cd = DtmJson.write(c);
        }
        TransactionOptions o = concurrent ? options.toBuilder().concurrent(true).build() : options;
        return Wire.request(gid, TransType.SAGA, o, steps.urls(), steps.textPayloads(), null, cd, null, null);
    }

    private static List<Integer> concat(int a, List<Integer> rest) {
        List<Integer> l = new ArrayList<>(rest);
        l.add(a);
        return l;
    }
}
