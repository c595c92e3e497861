package io.jdtm.client.testing;

import com.google.protobuf.Empty;
import com.zaxxer.hikari.HikariDataSource;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.util.MutableHandlerRegistry;
import io.jdtm.client.BarrierDialect;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.DtmOngoingException;
import io.jdtm.client.XaLocal;
import io.jdtm.client.grpc.BranchContext;
import io.jdtm.client.grpc.BranchContextInterceptor;
import io.jdtm.client.grpc.RmStatuses;
import io.jdtm.client.testing.grpc.BusiGrpc;
import io.jdtm.client.testing.grpc.BusiReply;
import io.jdtm.client.testing.grpc.BusiReq;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real RM over gRPC for tests, the twin of {@link BankRm}: service {@code jdtmtest.Busi} on a Netty server, two
 * accounts in a real SQL database, every method behind the branch barrier built from the call's {@code dtm-*}
 * metadata ({@link BranchContextInterceptor}), outcomes answered with {@link RmStatuses}. Account 1 pays, account 2
 * receives. Every call is recorded with its context and final status. Tests make a method answer FAILURE, ONGOING or
 * an error before the database with {@link #fail}, {@link #ongoing}, {@link #error}; more services (the app's
 * workflow callback) are added with {@link #addService}.
 */
public final class GrpcBankRm implements AutoCloseable {

    /** One answered call: the method's simple name, the branch context it carried, the status it got. */
    public record Call(String method, BranchContext context, Status.Code code) {
        /** {@code TransOut:action}. */
        public String label() {
            return method + ":" + context.op();
        }
    }

    private static final Set<String> FORWARD_TRANS_IN = Set.of("TransIn", "TransInTry", "TransInXa");

    private final TestAccounts accounts;
    private final HikariDataSource ds;
    private final String table;
    private final Server server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final MutableHandlerRegistry extra = new MutableHandlerRegistry();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final Set<String> ongoing = ConcurrentHashMap.newKeySet();
    private final Map<String, Status> errors = new ConcurrentHashMap<>();
    /** Business runs per method (the barrier lets a method's SQL run at most once per branch and op). */
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private volatile XaLocal xa;

    public GrpcBankRm(HikariDataSource ds, BarrierDialect dialect) {
        this.accounts = new TestAccounts(ds, dialect, "jdtm_sdk_gbank");
        this.ds = ds;
        this.table = accounts.barrierTable();
        ServerServiceDefinition busi = ServerInterceptors.intercept(new Busi(), new Recorder(),
                new BranchContextInterceptor());
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .executor(executor)
                    .addService(busi)
                    .fallbackHandlerRegistry(extra)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code 127.0.0.1:<port>}: the gRPC target of this RM. */
    public String target() {
        return "127.0.0.1:" + server.getPort();
    }

    /** The branch URL of a Busi method, e.g. {@code 127.0.0.1:4711/jdtmtest.Busi/TransOut}. */
    public String url(String method) {
        return target() + "/jdtmtest.Busi/" + method;
    }

    /** Serves one more service on this server (e.g. the app's {@code workflow.Workflow}). */
    public void addService(ServerServiceDefinition s) {
        extra.addService(s);
    }

    /** Serves {@code TransOutXa}/{@code TransInXa} through the SDK's XA helper. */
    public void enableXa(XaLocal xaLocal) {
        this.xa = xaLocal.withBarrierTable(table);
    }

    public String barrierTable() {
        return table;
    }

    public HikariDataSource dataSource() {
        return ds;
    }

    /** Makes {@code method} answer FAILURE ("Insufficient balance") from inside its barrier. */
    public void fail(String method) {
        failing.add(method);
    }

    /** Makes {@code method} answer ONGOING from inside its barrier (so the barrier row is rolled back). */
    public void ongoing(String method) {
        ongoing.add(method);
    }

    /** Makes {@code method} answer {@code status} before touching the database, until {@link #heal()}. */
    public void error(String method, Status status) {
        errors.put(method, status);
    }

    public void heal() {
        failing.clear();
        ongoing.clear();
        errors.clear();
    }

    /** Balances 100/100, no injected answers, no recorded calls or runs. */
    public void reset() {
        heal();
        calls.clear();
        runs.clear();
        accounts.reset();
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The calls of one gid, as {@code Method:op}. */
    public List<String> callsOf(String gid) {
        return calls.stream().filter(c -> c.context().gid().equals(gid)).map(Call::label).toList();
    }

    /** How often {@code method}'s business SQL ran. */
    public int runs(String method) {
        AtomicInteger n = runs.get(method);
        return n == null ? 0 : n.get();
    }

    public List<Integer> balances() {
        return accounts.balances();
    }

    /** Debits account 1 inside a caller's transaction (the AP side of a msg). */
    public void debit(Connection tx, int amount) throws SQLException {
        accounts.update(tx, 1, -amount);
    }

    /** The business of one method: move {@code sign * amount} on {@code account}, behind the call's barrier. */
    private void adjust(String method, BusiReq req, int account, int sign) {
        Status injected = errors.get(method);
        if (injected != null) {
            throw injected.asRuntimeException();
        }
        BranchContext.current().barrier().withTable(table).callWithDataSource(ds, tx -> {
            if (refuses(method, req)) {
                throw new DtmFailureException("Insufficient balance");
            }
            if (ongoing.contains(method)) {
                throw new DtmOngoingException("not yet");
            }
            runs.computeIfAbsent(method, k -> new AtomicInteger()).incrementAndGet();
            accounts.update(tx, account, (long) sign * req.getAmount());
        });
    }

    /** Asked to refuse: by {@link #fail}, or by the request ({@code TransInResult: FAILURE}, as DTM's busi). */
    private boolean refuses(String method, BusiReq req) {
        return failing.contains(method) || (FORWARD_TRANS_IN.contains(method)
                && req.getTransInResult().equals("FAILURE"));
    }

    private void xaAdjust(String method, BusiReq req, int account, int sign) throws Exception {
        if (xa == null) {
            throw new IllegalStateException("XA is not enabled on this bank");
        }
        xa.handle(BranchContext.current().toQuery(), tx -> {
            if (refuses(method, req)) {
                throw new DtmFailureException("Insufficient balance");
            }
            runs.computeIfAbsent(method, k -> new AtomicInteger()).incrementAndGet();
            accounts.update(tx, account, (long) sign * req.getAmount());
        });
    }

    private final class Busi extends BusiGrpc.BusiImplBase {
        private void empty(String method, BusiReq req, StreamObserver<Empty> out, int account, int sign) {
            RmStatuses.handle(out, () -> adjust(method, req, account, sign));
        }

        private void reply(String method, BusiReq req, StreamObserver<BusiReply> out, int account, int sign) {
            RmStatuses.reply(out, () -> {
                adjust(method, req, account, sign);
                return BusiReply.newBuilder().setMessage(method + " of " + BranchContext.current().branchId()).build();
            });
        }

        @Override
        public void transOut(BusiReq req, StreamObserver<Empty> out) {
            empty("TransOut", req, out, 1, -1);
        }

        @Override
        public void transOutRevert(BusiReq req, StreamObserver<Empty> out) {
            empty("TransOutRevert", req, out, 1, +1);
        }

        @Override
        public void transIn(BusiReq req, StreamObserver<Empty> out) {
            empty("TransIn", req, out, 2, +1);
        }

        @Override
        public void transInRevert(BusiReq req, StreamObserver<Empty> out) {
            empty("TransInRevert", req, out, 2, -1);
        }

        // tcc: Try moves the money, Confirm has nothing left to do, Cancel moves it back
        @Override
        public void transOutTry(BusiReq req, StreamObserver<BusiReply> out) {
            reply("TransOutTry", req, out, 1, -1);
        }

        @Override
        public void transOutConfirm(BusiReq req, StreamObserver<Empty> out) {
            empty("TransOutConfirm", req, out, 1, 0);
        }

        @Override
        public void transOutCancel(BusiReq req, StreamObserver<Empty> out) {
            empty("TransOutCancel", req, out, 1, +1);
        }

        @Override
        public void transInTry(BusiReq req, StreamObserver<BusiReply> out) {
            reply("TransInTry", req, out, 2, +1);
        }

        @Override
        public void transInConfirm(BusiReq req, StreamObserver<Empty> out) {
            empty("TransInConfirm", req, out, 2, 0);
        }

        @Override
        public void transInCancel(BusiReq req, StreamObserver<Empty> out) {
            empty("TransInCancel", req, out, 2, -1);
        }

        @Override
        public void transOutXa(BusiReq req, StreamObserver<Empty> out) {
            RmStatuses.handle(out, () -> xaAdjust("TransOutXa", req, 1, -1));
        }

        @Override
        public void transInXa(BusiReq req, StreamObserver<Empty> out) {
            RmStatuses.handle(out, () -> xaAdjust("TransInXa", req, 2, +1));
        }

        @Override
        public void queryPrepared(BusiReq req, StreamObserver<BusiReply> out) {
            RmStatuses.reply(out, () -> {
                BranchContext.current().barrier().withTable(table).queryPrepared(ds);
                return BusiReply.newBuilder().setMessage("committed").build();
            });
        }
    }

    /** Records every call with its branch context and the status it was closed with. */
    private final class Recorder implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            String method = call.getMethodDescriptor().getBareMethodName();
            BranchContext ctx = BranchContext.from(headers);
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(Status status, Metadata trailers) {
                    calls.add(new Call(method, ctx, status.getCode()));
                    super.close(status, trailers);
                }
            }, headers);
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        accounts.drop();
    }
}
