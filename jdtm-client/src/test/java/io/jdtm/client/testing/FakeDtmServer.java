package io.jdtm.client.testing;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmGidReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgressesReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTopicRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A fake TM speaking DTM's gRPC API ({@code dtmgimp.Dtm}) on a free port, for the SDK's transport tests: every RPC is
 * recorded with its request message, metadata and the deadline the caller set, and answers OK (an empty reply, a
 * fixed gid, or the scripted {@code PrepareWorkflow} reply) unless a test scripted a status for it. Thread-safe.
 */
public final class FakeDtmServer implements AutoCloseable {

    /** The gid {@code NewGid} answers. */
    public static final String GID = "fake-gid-1";

    /**
     * One received call.
     *
     * @param rpc the method name, e.g. {@code Submit}
     * @param deadline how long the caller gave the call when it arrived; {@code null} without a deadline
     */
    public record Received(String rpc, Message request, Map<String, String> metadata, Duration deadline) {}

    private static final Context.Key<Map<String, String>> METADATA = Context.key("fake-dtm-metadata");

    private final Server server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Status>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Duration> delays = new ConcurrentHashMap<>();
    private volatile DtmProgressesReply progresses = DtmProgressesReply.getDefaultInstance();

    public FakeDtmServer() {
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                Map<String, String> md = new LinkedHashMap<>();
                for (String k : headers.keys()) {
                    if (!k.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                        md.put(k, headers.get(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER)));
                    }
                }
                return Contexts.interceptCall(Context.current().withValue(METADATA, md), call, headers, next);
            }
        };
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .executor(executor)
                    .addService(ServerInterceptors.intercept(new Dtm(), capture))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code 127.0.0.1:<port>}. */
    public String target() {
        return "127.0.0.1:" + server.getPort();
    }

    /** The next calls of {@code rpc} end with these statuses, in order; later ones answer OK. */
    public FakeDtmServer script(String rpc, Status... statuses) {
        Deque<Status> q = scripts.computeIfAbsent(rpc, k -> new ArrayDeque<>());
        synchronized (q) {
            q.addAll(List.of(statuses));
        }
        return this;
    }

    /** Calls of {@code rpc} answer only after {@code d}. */
    public FakeDtmServer delay(String rpc, Duration d) {
        delays.put(rpc, d);
        return this;
    }

    /** What {@code PrepareWorkflow} answers. */
    public FakeDtmServer progresses(DtmProgressesReply reply) {
        this.progresses = reply;
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The names of the received RPCs, in order. */
    public List<String> rpcs() {
        return received.stream().map(Received::rpc).toList();
    }

    /** The request of the only (or last) call of {@code rpc}. */
    @SuppressWarnings("unchecked")
    public <T extends Message> T last(String rpc, Class<T> type) {
        Received r = null;
        for (Received x : received) {
            if (x.rpc().equals(rpc)) {
                r = x;
            }
        }
        if (r == null) {
            throw new AssertionError("no " + rpc + " was received; got " + rpcs());
        }
        return (T) r.request();
    }

    public Received lastReceived(String rpc) {
        Received r = null;
        for (Received x : received) {
            if (x.rpc().equals(rpc)) {
                r = x;
            }
        }
        if (r == null) {
            throw new AssertionError("no " + rpc + " was received; got " + rpcs());
        }
        return r;
    }

    private <T> void answer(String rpc, Message request, StreamObserver<T> out, Supplier<T> reply) {
        Deadline d = Context.current().getDeadline();
        Map<String, String> md = METADATA.get();
        received.add(new Received(rpc, request, md == null ? Map.of() : md,
                d == null ? null : Duration.ofNanos(d.timeRemaining(TimeUnit.NANOSECONDS))));
        Duration delay = delays.get(rpc);
        if (delay != null) {
            try {
                Thread.sleep(delay.toMillis()); // a deliberately slow TM
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Status s = null;
        Deque<Status> q = scripts.get(rpc);
        if (q != null) {
            synchronized (q) {
                s = q.poll();
            }
        }
        try {
            if (s != null && !s.isOk()) {
                out.onError(s.asRuntimeException());
                return;
            }
            out.onNext(reply.get());
            out.onCompleted();
        } catch (IllegalStateException cancelled) {
            // the caller's deadline passed while we slept
        }
    }

    private final class Dtm extends DtmGrpc.DtmImplBase {
        @Override
        public void newGid(Empty request, StreamObserver<DtmGidReply> out) {
            answer("NewGid", request, out, () -> DtmGidReply.newBuilder().setGid(GID).build());
        }

        @Override
        public void submit(DtmRequest request, StreamObserver<Empty> out) {
            answer("Submit", request, out, Empty::getDefaultInstance);
        }

        @Override
        public void prepare(DtmRequest request, StreamObserver<Empty> out) {
            answer("Prepare", request, out, Empty::getDefaultInstance);
        }

        @Override
        public void abort(DtmRequest request, StreamObserver<Empty> out) {
            answer("Abort", request, out, Empty::getDefaultInstance);
        }

        @Override
        public void registerBranch(DtmBranchRequest request, StreamObserver<Empty> out) {
            answer("RegisterBranch", request, out, Empty::getDefaultInstance);
        }

        @Override
        public void prepareWorkflow(DtmRequest request, StreamObserver<DtmProgressesReply> out) {
            answer("PrepareWorkflow", request, out, () -> progresses);
        }

        @Override
        public void subscribe(DtmTopicRequest request, StreamObserver<Empty> out) {
            answer("Subscribe", request, out, Empty::getDefaultInstance);
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
