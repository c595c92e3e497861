package io.jdtm.server.scenario;

import io.grpc.HandlerRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.jdtm.protocol.grpc.RawGrpc;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real business service (RM) over gRPC for scenario tests, the gRPC twin of {@link FakeRm}: every method of
 * every service answers {@code OK} (an empty reply message) unless a test scripted other answers for it; every call
 * is recorded with its full method name, metadata and request bytes. It needs no generated stubs: a fallback
 * {@link HandlerRegistry} serves any method with a raw byte[] marshaller, so a test names whatever method it likes
 * ({@code busi.Busi/TransOut}). Thread-safe.
 */
public final class FakeGrpcRm implements AutoCloseable {

    private static final MethodDescriptor.Marshaller<byte[]> RAW = RawGrpc.MARSHALLER;

    /** One scripted answer: a status code and description; {@code delay} simulates a slow service. */
    public record Reply(Status.Code code, String message, Duration delay) {
        public static Reply of(Status.Code code, String message) {
            return new Reply(code, message, Duration.ZERO);
        }

        public Reply delayed(Duration d) {
            return new Reply(code, message, d);
        }

        public static final Reply OK = of(Status.Code.OK, "");
        /** DTM's FAILURE over gRPC. */
        public static final Reply FAILURE = of(Status.Code.ABORTED, "Insufficient balance");
        /** DTM's ONGOING over gRPC. */
        public static final Reply ONGOING = of(Status.Code.FAILED_PRECONDITION, "ONGOING");
        /** ONGOING as RMs older than DTM v1.10 answer it. */
        public static final Reply LEGACY_ONGOING = of(Status.Code.ABORTED, "ONGOING");
        public static final Reply UNAVAILABLE = of(Status.Code.UNAVAILABLE, "boom");
    }

    /** One recorded call: the full method name ({@code busi.Busi/TransOut}), metadata (last value per key), request. */
    public record Call(String method, Map<String, String> metadata, byte[] request, Instant at) {
        public String gid() {
            return metadata.getOrDefault("dtm-gid", "");
        }

        public String op() {
            return metadata.getOrDefault("dtm-op", "");
        }

        public String branchId() {
            return metadata.getOrDefault("dtm-branch_id", "");
        }

        public String transType() {
            return metadata.getOrDefault("dtm-trans_type", "");
        }

        /** The request bytes read as UTF-8 (the scenario tests send JSON text as payloads). */
        public String body() {
            return new String(request, StandardCharsets.UTF_8);
        }
    }

    /** When one call was being handled: from its arrival until its answer started, and the code it got. */
    public record Span(String gid, String method, String op, String branchId, Instant start, Instant end,
            Status.Code code) {
        public boolean overlaps(Span o) {
            return start.isBefore(o.end) && o.start.isBefore(end);
        }
    }

    private final Server server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final Answers<Reply> answers = new Answers<>(Reply.OK, Reply.UNAVAILABLE);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    private FakeGrpcRm(ServerCredentials credentials) throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials)
                .executor(executor)
                .fallbackHandlerRegistry(new AnyMethod())
                .build()
                .start();
    }

    public static FakeGrpcRm start() {
        return start(InsecureServerCredentials.create());
    }

    /** An RM over these credentials, e.g. TLS ({@code TlsServerCredentials}). */
    public static FakeGrpcRm start(ServerCredentials credentials) {
        try {
            return new FakeGrpcRm(credentials);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.getPort();
    }

    /** The branch URL of a method as DTM's gRPC clients write it: {@code localhost:<port>/busi.Busi/TransOut}. */
    public String url(String method) {
        return "localhost:" + port() + "/" + method;
    }

    /** Every later call to {@code method} gets this answer (after any scripted ones). */
    public FakeGrpcRm answer(String method, Reply r) {
        answers.fix(method, r);
        return this;
    }

    /** The next calls to {@code method} get these answers, in order; then the fixed answer or OK. */
    public FakeGrpcRm script(String method, Reply... replies) {
        answers.script(method, List.of(replies));
        return this;
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    public List<Call> calls(Predicate<Call> p) {
        return calls.stream().filter(p).toList();
    }

    public int count(String method) {
        return calls(method).size();
    }

    /** Methods called, in order, for one gid. */
    public List<String> methodsFor(String gid) {
        List<String> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.gid().equals(gid)) {
                out.add(c.method());
            }
        }
        return out;
    }

    /** Every answered call's span, in the order the answers started. */
    public List<Span> spans() {
        return List.copyOf(spans);
    }

    /** The most calls this RM was answering at the same time. */
    public int peakConcurrency() {
        return peak.get();
    }

    /** Holds the next call to {@code method} (after earlier holds of it) at a gate. */
    public Gate<Reply> hold(String method) {
        return answers.hold(method);
    }



    /** Serves every method name with raw bytes in and out. */
    private final class AnyMethod extends HandlerRegistry {
        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
            MethodDescriptor<byte[], byte[]> md = MethodDescriptor.newBuilder(RAW, RAW)
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(methodName)
                    .build();
            return ServerMethodDefinition.create(md, handler());
        }
    }

    private ServerCallHandler<byte[], byte[]> handler() {
        return (call, headers) -> {
            call.request(2); // unary: one message; asking for two lets gRPC notice a misbehaving client
            return new ServerCall.Listener<>() {
                private byte[] request = new byte[0];

                @Override
                public void onMessage(byte[] message) {
                    request = message;
                }

                @Override
                public void onHalfClose() {
                    handle(call, headers, request);
                }
            };
        };
    }

    private void handle(ServerCall<byte[], byte[]> call, Metadata headers, byte[] request) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Map<String, String> md = new LinkedHashMap<>();
        for (String key : headers.keys()) {
            if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                byte[] v = headers.get(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER));
                md.put(key, v == null ? "" : new String(v, StandardCharsets.UTF_8));
            } else {
                md.put(key, headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
            }
        }
        Instant start = Instant.now();
        calls.add(new Call(method, md, request, start));
        peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        Status.Code code = Status.Code.UNKNOWN;
        Instant end = null;
        try {
            Reply r = answers.next(method);
            code = r.code();
            if (!r.delay().isZero()) {
                try {
                    Thread.sleep(r.delay().toMillis()); // a deliberately slow service
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // the span ends as the answer starts: the TM cannot have it earlier, and may call again at once
            end = Instant.now();
            reply(call, r);
        } finally {
            inFlight.decrementAndGet();
            spans.add(new Span(md.getOrDefault("dtm-gid", ""), method, md.getOrDefault("dtm-op", ""),
                    md.getOrDefault("dtm-branch_id", ""), start, end == null ? Instant.now() : end, code));
        }
    }

    private static void reply(ServerCall<byte[], byte[]> call, Reply r) {
        try {
            if (r.code() == Status.Code.OK) {
                call.sendHeaders(new Metadata());
                call.sendMessage(new byte[0]);
                call.close(Status.OK, new Metadata());
            } else {
                call.close(Status.fromCode(r.code()).withDescription(r.message()), new Metadata());
            }
        } catch (IllegalStateException e) {
            // the client gave up (deadline) while the call was held: nobody is listening any more
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
