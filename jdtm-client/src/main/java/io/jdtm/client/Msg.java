package io.jdtm.client;

import io.jdtm.client.internal.Checks;
import io.jdtm.client.internal.GrpcCalls;
import io.jdtm.client.internal.Payload;
import io.jdtm.client.internal.Steps;
import io.jdtm.client.internal.Wire;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Ops;
import io.jdtm.protocol.TransRequest;
import io.jdtm.protocol.TransType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * A two-phase message (spec §6.8, §9.4, §12.4): branches the TM calls until each succeeds, after the AP's local
 * transaction committed. Either {@link #submit()} directly, or {@link #prepare(String)} before the local transaction
 * and {@link #submit()} after it (the TM asks the QueryPrepared URL if the AP disappears in between), or let
 * {@link #doAndSubmitDb} do all of it safely with the barrier:
 *
 * <pre>{@code
 * dtm.msg(gid)
 *    .add(svc + "/TransIn", req)
 *    .doAndSubmitDb(svc + "/QueryPrepared", dataSource, tx -> debit(tx, req));
 * }</pre>
 *
 * <p>Over gRPC ({@link DtmClient.Builder#grpcTarget}) branches and the QueryPrepared URL may be gRPC methods
 * ({@code host:port/package.Service/Method}) and payloads protobuf messages, as with DTM's {@code dtmgrpc.NewMsgGrpc}
 * (spec §12.8); the QueryPrepared method receives an empty request and the {@code dtm-*} metadata.
 *
 * <p>Immutable and thread-safe: every method that changes the message returns a new one. Mirrors
 * {@code POST /prepare}, {@code /submit} and {@code /abort} (gRPC {@code Prepare}, {@code Submit}, {@code Abort})
 * with {@code trans_type=msg}.
 */
public final class Msg {

    /** Business code of {@link #doAndSubmit}: run the local transaction behind the given msg barrier. */
    @FunctionalInterface
    public interface Business {
        void run(BranchBarrier barrier) throws Exception;
    }

    private final DtmClient client;
    private final String gid;
    private final Steps steps;
    private final long delaySeconds;
    private final TransactionOptions options;
    private final String queryPrepared;

    Msg(DtmClient client, String gid) {
        this(client, gid, Steps.NONE, 0, client.defaultOptions(), "");
    }

    private Msg(DtmClient client, String gid, Steps steps, long delaySeconds, TransactionOptions options,
            String queryPrepared) {
        this.client = client;
        this.gid = gid;
        this.steps = steps;
        this.delaySeconds = delaySeconds;
        this.options = options;
        this.queryPrepared = queryPrepared;
    }

    public String gid() {
        return gid;
    }

    /**
     * Adds a branch: the TM sends {@code payload} to {@code action} until it succeeds — a protobuf message (for a
     * gRPC method) encoded, anything else as JSON.
     */
    public Msg add(String action, Object payload) {
        return add(action, Payload.of(client.mapper(), "payload of msg step " + steps.size(), payload));
    }

    /** Adds a branch whose body is sent verbatim. */
    public Msg addRaw(String action, String body) {
        Checks.notNull("body of msg step " + steps.size(), body);
        return add(action, Payload.text(body));
    }

    /** Adds a branch whose payload is these bytes, e.g. an encoded protobuf message (needs the gRPC transport). */
    public Msg addBinary(String action, byte[] payload) {
        Checks.notNull("payload of msg step " + steps.size(), payload);
        return add(action, Payload.binary(payload.clone()));
    }

    private Msg add(String action, Payload payload) {
        Checks.url("msg action URL of step " + steps.size(), action);
        return new Msg(client, gid, steps.add(Map.of("action", action), payload), delaySeconds, options,
                queryPrepared);
    }

    /** Adds a branch per subscriber of {@code topic} ({@code topic://<topic>}, resolved by the TM). */
    public Msg addTopic(String topic, Object payload) {
        Checks.url("msg topic", topic);
        return add(Ops.TOPIC_PREFIX + topic, payload);
    }

    /** The TM waits this long after submit before calling the branches. */
    public Msg delay(Duration d) {
        return new Msg(client, gid, steps, TransactionOptions.Builder.seconds("delay", d), options, queryPrepared);
    }

    /** Replaces all options ({@code concurrent} calls the branches in parallel). */
    public Msg options(TransactionOptions o) {
        return new Msg(client, gid, steps, delaySeconds, Checks.notNull("options", o), queryPrepared);
    }

    public Msg waitResult(boolean v) {
        return options(options.toBuilder().waitResult(v).build());
    }

    /** For a prepared msg: how long the TM waits before asking QueryPrepared (default 35 s). */
    public Msg timeoutToFail(Duration d) {
        return options(options.toBuilder().timeoutToFail(d).build());
    }

    public Msg retryInterval(Duration d) {
        return options(options.toBuilder().retryInterval(d).build());
    }

    public Msg requestTimeout(Duration d) {
        return options(options.toBuilder().requestTimeout(d).build());
    }

    public Msg branchHeader(String name, String value) {
        return options(options.toBuilder().branchHeader(name, value).build());
    }

    /** Call the branches in parallel. Not carried over gRPC (DTM's {@code TransOptions} has no such field). */
    public Msg concurrent() {
        return options(options.toBuilder().concurrent(true).build());
    }

    /**
     * Registers the msg as prepared ({@code POST /prepare}); the TM will ask {@code queryPreparedUrl} whether to
     * commit if {@link #submit()} does not come in time. Idempotent for the same gid.
     *
     * @return this msg with the QueryPrepared URL set; submit that one
     */
    public Msg prepare(String queryPreparedUrl) {
        Checks.url("msg QueryPrepared URL", queryPreparedUrl);
        Msg m = new Msg(client, gid, steps, delaySeconds, options, queryPreparedUrl);
        TransRequest r = m.request(false);
        Branches.checkSteps(client, steps);
        if (GrpcCalls.isGrpcUrl(queryPreparedUrl)) {
            Branches.requireGrpc(client, "gRPC QueryPrepared method '" + queryPreparedUrl + "'");
        }
        client.transport().prepare(r, steps.binPayloads());
        return m;
    }

    /**
     * Submits the msg ({@code POST /submit}); after it the TM calls the branches until each succeeds. With
     * {@code waitResult}, throws {@link DtmOngoingException} when the branches have not all succeeded yet.
     */
    public void submit() {
        TransRequest r = request(true);
        Branches.checkSteps(client, steps);
        Submits.submit(client, r, steps.binPayloads());
    }

    /**
     * Prepare, run {@code business} with the msg barrier, then submit (spec §9.4). When {@code business} throws
     * {@link DtmFailureException} the msg is aborted; when it throws anything else the SDK asks its own
     * QueryPrepared URL whether the local transaction committed and submits or aborts accordingly. The business
     * exception is rethrown either way (checked ones wrapped in {@link DtmUnknownException}).
     */
    public void doAndSubmit(String queryPreparedUrl, Business business) {
        Checks.notNull("business", business);
        BranchBarrier barrier = BranchBarrier.of(TransType.MSG.wire(), gid, Ops.QUERY_PREPARED_BRANCH_ID, Ops.MSG);
        Msg prepared = prepare(queryPreparedUrl);
        try {
            business.run(barrier);
        } catch (DtmFailureException e) {
            abortQuietly(e);
            throw e;
        } catch (Throwable e) {
            try {
                if (GrpcCalls.isGrpcUrl(queryPreparedUrl)) {
                    Branches.grpc(client, queryPreparedUrl, client.serverUrl(), gid, TransType.MSG.wire(), Ops.QUERY_PREPARED_BRANCH_ID,
                            Ops.MSG, Map.of(), Map.of(), new byte[0], Branches.timeout(options));
                } else {
                    Branches.call(client.http(), "GET", queryPreparedUrl, client.serverUrl(), gid,
                            TransType.MSG.wire(), Ops.QUERY_PREPARED_BRANCH_ID, Ops.MSG, Map.of(), Map.of(), null,
                            Branches.timeout(options));
                }
                prepared.submit();
            } catch (DtmFailureException rolledBack) {
                abortQuietly(e);
            } catch (RuntimeException unknown) {
                // still prepared: the TM will ask QueryPrepared after the timeout
                e.addSuppressed(unknown);
            }
            if (e instanceof RuntimeException || e instanceof Error) {
                throw BranchBarrier.unchecked(e, gid);
            }
            throw new DtmUnknownException("msg business code failed: " + e, gid, e);
        }
        prepared.submit();
    }

    /**
     * {@link #doAndSubmit} with the business code run in a local transaction on {@code dataSource} behind the msg
     * barrier (table {@value BranchBarrier#DEFAULT_TABLE}); the QueryPrepared endpoint answers with
     * {@link BranchBarrier#queryPrepared(DataSource)} on the same database.
     */
    public void doAndSubmitDb(String queryPreparedUrl, DataSource dataSource, BranchBarrier.Business business) {
        doAndSubmitDb(queryPreparedUrl, dataSource, BranchBarrier.DEFAULT_TABLE, business);
    }

    /** {@link #doAndSubmitDb(String, DataSource, BranchBarrier.Business)} with another barrier table. */
    public void doAndSubmitDb(String queryPreparedUrl, DataSource dataSource, String barrierTable,
            BranchBarrier.Business business) {
        Checks.notNull("dataSource", dataSource);
        Checks.notNull("business", business);
        doAndSubmit(queryPreparedUrl, b -> b.withTable(barrierTable).callWithDataSource(dataSource, business));
    }

    private void abortQuietly(Throwable cause) {
        try {
            client.transport().abort(Wire.simple(gid, TransType.MSG, options));
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** The exact body of prepare ({@code withDelay=false}) or submit. */
    TransRequest request(boolean withDelay) {
        if (steps.isEmpty()) {
            throw new IllegalStateException("msg " + gid + " has no steps");
        }
        String customData = null;
        if (withDelay && delaySeconds > 0) {
            Map<String, Object> cd = new LinkedHashMap<>();
            cd.put("delay", delaySeconds);
            customData = DtmJson.write(cd);
        }
        return Wire.request(gid, TransType.MSG, options, steps.urls(), steps.textPayloads(), queryPrepared, customData,
                null, null);
    }
}
