package io.jdtm.server.grpc;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.server.metrics.ServerMetrics;
import io.jdtm.server.tracing.GrpcTracing;
import io.jdtm.server.trans.TransService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on {@code GrpcPort} (36790; {@code 0} picks a free port, see {@link #port()}): DTM's service
 * {@code dtmgimp.Dtm} ({@link GrpcApi}), server reflection (v1 and v1alpha, as grpc-go's {@code reflection.Register}
 * serves both, so grpcurl and grpcui work without the .proto) and the standard health service
 * {@code grpc.health.v1.Health}, {@code SERVING} for {@code ""} and {@code dtmgimp.Dtm} from start until
 * {@link #close()}.
 *
 * <p>Calls run on virtual threads (one per call), so handlers block on the store freely. Request messages up to
 * {@code MaxBodyBytes} are served; larger ones up to {@link #HARD_MESSAGE_LIMIT} are read and answered
 * {@code RESOURCE_EXHAUSTED} naming the limit; beyond that the transport refuses them unread.
 */
public final class GrpcServer implements AutoCloseable {
    /** Messages beyond this are refused by the transport without being read, as the HTTP server's hard limit. */
    static final long HARD_MESSAGE_LIMIT = 64L * 1024 * 1024;
    /** How long {@link #close()} lets calls in progress finish. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    private final Server server;
    private final HealthStatusManager health;
    private final ExecutorService executor;

    private GrpcServer(Server server, HealthStatusManager health, ExecutorService executor) {
        this.server = server;
        this.health = health;
        this.executor = executor;
    }

    /**
     * Binds {@code host:port} and starts serving.
     *
     * @param maxMessageBytes {@code MaxBodyBytes}: the largest request message served
     * @throws IllegalStateException when the address cannot be bound, naming it
     */
    public static GrpcServer start(TransService service, ServerMetrics metrics, String host, int port,
            long maxMessageBytes) {
        return start(service, metrics, host, port, maxMessageBytes, InsecureServerCredentials.create(), null);
    }

    /**
     * As above, over {@code credentials} (plaintext or TLS, {@code Tls}), with {@code guard} (the bearer-token check,
     * or null) in front of every service.
     */
    @SuppressWarnings("deprecation") // ProtoReflectionService is v1alpha, still what older grpcurl builds ask for
    public static GrpcServer start(TransService service, ServerMetrics metrics, String host, int port,
            long maxMessageBytes, ServerCredentials credentials, ServerInterceptor guard) {
        ExecutorService executor =
                Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("jdtm-grpc-", 0).factory());
        HealthStatusManager health = new HealthStatusManager();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials);
        if (guard != null) {
            builder.intercept(guard);
        }
        io.grpc.ServerServiceDefinition api = ServerInterceptors.intercept(new GrpcApi(service, maxMessageBytes),
                new MetricsInterceptor(metrics));
        if (service.tracing().enabled()) {
            api = ServerInterceptors.intercept(api, new GrpcTracing(service.tracing()));
        }
        Server server = builder
                .executor(executor)
                .maxInboundMessageSize(transportLimit(maxMessageBytes))
                .addService(MalformedMessages.guard(api))
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(ProtoReflectionService.newInstance())
                .addService(health.getHealthService())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            executor.close();
            throw new IllegalStateException("the gRPC API cannot listen on " + host + ":" + port + " (GrpcPort): "
                    + e.getMessage(), e);
        }
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        health.setStatus(DtmGrpc.SERVICE_NAME, ServingStatus.SERVING);
        return new GrpcServer(server, health, executor);
    }

    /** The transport's limit: {@link #HARD_MESSAGE_LIMIT}, or {@code MaxBodyBytes} when that is larger. */
    static int transportLimit(long maxMessageBytes) {
        return (int) Math.min(Integer.MAX_VALUE - 8, Math.max(HARD_MESSAGE_LIMIT, maxMessageBytes));
    }

    /** The port listened on (the chosen one when {@code GrpcPort} is 0). */
    public int port() {
        return server.getPort();
    }

    /** {@link #close(Duration)} with 5 seconds. */
    @Override
    public void close() {
        close(SHUTDOWN_GRACE);
    }

    /**
     * Health answers {@code NOT_SERVING} and new calls are refused ({@code UNAVAILABLE}) at once; calls in progress
     * get {@code grace} to finish, then are cancelled.
     */
    public void close(Duration grace) {
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
