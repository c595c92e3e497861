package io.jdtm.examples;

import com.google.protobuf.Empty;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.jdtm.client.grpc.BranchContext;
import io.jdtm.client.grpc.BranchContextInterceptor;
import io.jdtm.client.grpc.RmStatuses;
import io.jdtm.examples.busi.BusiGrpc;
import io.jdtm.examples.busi.BusiReply;
import io.jdtm.examples.busi.BusiReq;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The bank of the gRPC quick starts: service {@code busi.Busi} ({@code src/main/proto/busi.proto}) on its own gRPC
 * server, over the same accounts and branch business as the HTTP {@link Bank}. Each method reads the transaction from
 * the call's {@code dtm-*} metadata ({@link BranchContextInterceptor}), runs its SQL behind the barrier built from it
 * and answers with {@link RmStatuses} (OK, ABORTED for FAILURE). A request with {@code TransInResult: "FAILURE"} makes
 * the TransIn branches refuse. Every call is printed as it is answered.
 */
public final class GrpcBank implements AutoCloseable {
    private final Accounts accounts;
    private final PrintStream out;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor(); // handlers block on SQL
    private final Server server;

    /** Starts the server on {@code port} (0 = any free port). */
    GrpcBank(Accounts accounts, int port, PrintStream out) {
        this.accounts = accounts;
        this.out = out;
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                    .executor(executor)
                    .addService(ServerInterceptors.intercept(new Busi(), new BranchContextInterceptor()))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("the gRPC bank cannot listen on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** The server's address, {@code 127.0.0.1:<port>}. */
    public String target() {
        return "127.0.0.1:" + server.getPort();
    }

    /** The branch URL of a method as DTM writes gRPC branches: {@code 127.0.0.1:<port>/busi.Busi/<method>}. */
    public String url(String method) {
        return target() + "/" + BusiGrpc.SERVICE_NAME + "/" + method;
    }

    /** The request of a transfer; {@code transInFails} makes the TransIn branches answer FAILURE (ABORTED). */
    public static BusiReq transfer(int amount, boolean transInFails) {
        BusiReq.Builder b = BusiReq.newBuilder().setAmount(amount);
        if (transInFails) {
            b.setTransInResult("FAILURE");
        }
        return b.build();
    }

    private final class Busi extends BusiGrpc.BusiImplBase {
        /** Runs branch {@code name} behind the call's barrier; answers {@code reply} or the status of the outcome. */
        private <T> void branch(String name, BusiReq req, StreamObserver<T> obs, T reply) {
            BranchContext c = BranchContext.current();
            RmStatuses.reply(new Printing<>(name, c, req, obs), () -> {
                accounts.run(name, c.barrier(), (int) req.getAmount(), "FAILURE".equals(req.getTransInResult()));
                return reply;
            });
        }

        private void empty(String name, BusiReq req, StreamObserver<Empty> obs) {
            branch(name, req, obs, Empty.getDefaultInstance());
        }

        @Override
        public void transOut(BusiReq req, StreamObserver<Empty> obs) {
            empty("TransOut", req, obs);
        }

        @Override
        public void transOutCompensate(BusiReq req, StreamObserver<Empty> obs) {
            empty("TransOutCompensate", req, obs);
        }

        @Override
        public void transIn(BusiReq req, StreamObserver<Empty> obs) {
            empty("TransIn", req, obs);
        }

        @Override
        public void transInCompensate(BusiReq req, StreamObserver<Empty> obs) {
            empty("TransInCompensate", req, obs);
        }

        @Override
        public void transOutTry(BusiReq req, StreamObserver<BusiReply> obs) {
            branch("TransOutTry", req, obs, BusiReply.newBuilder().setMessage("reserved " + req.getAmount()).build());
        }

        @Override
        public void transOutConfirm(BusiReq req, StreamObserver<Empty> obs) {
            empty("TransOutConfirm", req, obs);
        }

        @Override
        public void transOutCancel(BusiReq req, StreamObserver<Empty> obs) {
            empty("TransOutCancel", req, obs);
        }

        @Override
        public void transInTry(BusiReq req, StreamObserver<BusiReply> obs) {
            branch("TransInTry", req, obs, BusiReply.newBuilder().setMessage("ready").build());
        }

        @Override
        public void transInConfirm(BusiReq req, StreamObserver<Empty> obs) {
            empty("TransInConfirm", req, obs);
        }

        @Override
        public void transInCancel(BusiReq req, StreamObserver<Empty> obs) {
            empty("TransInCancel", req, obs);
        }

        @Override
        public void queryPrepared(BusiReq req, StreamObserver<BusiReply> obs) {
            BranchContext c = BranchContext.current();
            RmStatuses.reply(new Printing<>("QueryPrepared", c, req, obs), () -> {
                c.barrier().queryPrepared(accounts.dataSource());
                return BusiReply.newBuilder().setMessage("committed").build();
            });
        }
    }

    /** Prints the call with its outcome as it is answered. */
    private final class Printing<T> implements StreamObserver<T> {
        private final String name;
        private final BranchContext c;
        private final BusiReq req;
        private final StreamObserver<T> next;

        Printing(String name, BranchContext c, BusiReq req, StreamObserver<T> next) {
            this.name = name;
            this.c = c;
            this.req = req;
            this.next = next;
        }

        @Override
        public void onNext(T value) {
            next.onNext(value);
        }

        @Override
        public void onError(Throwable t) {
            Status.Code code = Status.fromThrowable(t).getCode();
            print(switch (code) {
                case ABORTED -> "FAILURE";
                case FAILED_PRECONDITION -> "ONGOING";
                default -> "ERROR " + code;
            });
            next.onError(t);
        }

        @Override
        public void onCompleted() {
            print("SUCCESS");
            next.onCompleted();
        }

        private void print(String outcome) {
            Bank.printCall(out, "bank", name, c.branchId(), c.op(),
                    req.getAmount() == 0 ? "" : "amount " + req.getAmount(), outcome);
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
    }
}
