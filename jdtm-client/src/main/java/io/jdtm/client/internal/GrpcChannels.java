package io.jdtm.client.internal;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.jdtm.protocol.grpc.RawGrpc;
import io.grpc.ManagedChannelProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The SDK's gRPC channels, one per dial target ({@code host:port}), made on first use and kept until {@link #close()}
 * — to the TM and to the business services the AP calls itself (TCC Try, XA action, msg QueryPrepared, workflow
 * steps), as DTM's Go client caches one connection per target. Plaintext, like DTM's, except the TM's channel when
 * it was given credentials ({@code DtmClient.Builder#grpcCredentials}). The transport implementation
 * (grpc-netty-shaded, grpc-netty or grpc-okhttp) is found on the class path by gRPC; without one the first call says
 * which dependency to add. Thread-safe.
 */
public final class GrpcChannels implements AutoCloseable {

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final String tmTarget;
    private final ChannelCredentials tmCredentials;
    private volatile boolean closed;

    /** Every channel in plaintext. */
    public GrpcChannels() {
        this(null, InsecureChannelCredentials.create());
    }

    /**
     * The channel to {@code tmTarget} (the TM) with {@code tmCredentials}, e.g. TLS; every other channel in plaintext.
     */
    public GrpcChannels(String tmTarget, ChannelCredentials tmCredentials) {
        this.tmTarget = tmTarget;
        this.tmCredentials = tmCredentials;
    }

    /**
     * The channel to {@code target}.
     *
     * @throws IllegalStateException after {@link #close()}, or when no gRPC transport is on the class path
     */
    public ManagedChannel channel(String target) {
        if (closed) {
            throw new IllegalStateException("the DtmClient is closed");
        }
        ManagedChannel ch = channels.computeIfAbsent(target, this::open);
        if (closed) {
            // close() ran while the channel was being made: do not leave it behind
            ch.shutdownNow();
            throw new IllegalStateException("the DtmClient is closed");
        }
        return ch;
    }

    private ManagedChannel open(String target) {
        ChannelCredentials creds = target.equals(tmTarget) ? tmCredentials : InsecureChannelCredentials.create();
        try {
            // every call carries the caller's trace context (TraceContext), to the TM and to branches
            return Grpc.newChannelBuilder(target, creds).intercept(TraceContext.grpcInterceptor()).build();
        } catch (ManagedChannelProvider.ProviderNotFoundException e) {
            throw new IllegalStateException("gRPC needs a transport on the class path: add io.grpc:grpc-netty-shaded "
                    + "(or grpc-netty / grpc-okhttp) to use DtmClient over gRPC", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        RawGrpc.closeAll(channels.values());
        channels.clear();
    }
}
