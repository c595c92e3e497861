package io.jdtm.server.branch;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolverProvider;
import io.jdtm.protocol.grpc.RawGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Outcome;
import io.jdtm.server.tracing.Tracing;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Branch calls over gRPC (spec §5.2), as DTM's default driver makes them. The URL is
 * {@code host:port/package.Service/Method}: everything before the first {@code /} is the dial target, the rest the
 * full method name. The branch's stored payload is sent unchanged as the request message (a raw byte[] marshaller,
 * DTM's {@code dtm_raw} codec) and the reply bytes are ignored; the outcome is read from the status alone
 * ({@link Outcome#ofGrpc}). Metadata carries {@code dtm-gid}, {@code dtm-trans_type}, {@code dtm-branch_id},
 * {@code dtm-op}, an empty {@code dtm-dtm}, then the call's headers with lower-cased keys; the deadline is the
 * call's timeout.
 *
 * <p>One channel per dial target (plaintext as in DTM, or TLS with {@code BranchTls.Grpc: tls}), created on first
 * use and kept until {@link #close()}, balancing over the target's resolved addresses with the configured gRPC
 * service config ({@code GrpcServiceConfig}, DTM's default round_robin). The target is resolved through the
 * {@link DestinationPolicy} ({@link PolicyNameResolver}): the channel connects only to addresses that passed it. A
 * URL that is not a target of DTM's default driver (one with a {@code scheme://} target needs a service-discovery
 * driver, which jdtm does not have) is refused when stored; one stored earlier is an ERROR naming the URL, retried
 * like any other. Thread-safe; a call blocks the calling (virtual) thread until the answer or the deadline.
 */
final class GrpcBranchTransport implements BranchTransport {
    private static final Logger log = LoggerFactory.getLogger(GrpcBranchTransport.class);

    static final MethodDescriptor.Marshaller<byte[]> RAW = RawGrpc.MARSHALLER;

    private final Map<String, ?> serviceConfig;
    private final ChannelCredentials credentials;
    private final boolean dockerRewrite;
    private final NameResolverProvider resolvers;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param serviceConfigJson the gRPC service config every channel starts with (config {@code GrpcServiceConfig});
     *        blank means grpc-java's own default (pick_first)
     * @param dockerRewrite spec §5.1's {@code IS_DOCKER} rewrite, which DTM applies to gRPC targets as well
     * @throws IllegalArgumentException when the service config is not a JSON object gRPC accepts (an unknown
     *         balancing policy, a malformed duration, …): refused at start rather than failing every call
     */
    GrpcBranchTransport(String serviceConfigJson, boolean dockerRewrite) {
        this(serviceConfigJson, dockerRewrite, InsecureChannelCredentials.create(), DestinationPolicy.DEFAULT);
    }

    /**
     * @param credentials every channel's: plaintext, or TLS with the trust of {@code BranchTls}
     * @param policy where calls may go: every channel resolves its target through it
     */
    GrpcBranchTransport(String serviceConfigJson, boolean dockerRewrite, ChannelCredentials credentials,
            DestinationPolicy policy) {
        this.credentials = credentials;
        this.serviceConfig = serviceConfigJson == null || serviceConfigJson.isBlank() ? null
                : usable(parseServiceConfig(serviceConfigJson));
        this.dockerRewrite = dockerRewrite;
        this.resolvers = PolicyNameResolver.provider(policy);
    }

    @Override
    public BranchResult call(BranchCall c) {
        BranchUrls.GrpcTarget t;
        try {
            t = BranchUrls.grpcTarget(c.url());
        } catch (IllegalArgumentException e) {
            return new BranchResult(Outcome.ERROR, e.getMessage());
        }
        try {
            Channel ch = ClientInterceptors.intercept(channel(t.authority()),
                    MetadataUtils.newAttachHeadersInterceptor(metadata(c)));
            MethodDescriptor<byte[], byte[]> method = MethodDescriptor.newBuilder(RAW, RAW)
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(t.fullMethod())
                    .build();
            CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(c.timeout().toNanos(), TimeUnit.NANOSECONDS);
            // the reply bytes are ignored: only the status says how the branch went
            ClientCalls.blockingUnaryCall(ch, method, opts, c.payload());
            Tracing.noteGrpcStatus(Status.Code.OK.value());
            return new BranchResult(Outcome.SUCCESS, detail(Status.OK), Status.Code.OK.name());
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            Tracing.noteGrpcStatus(s.getCode().value());
            if (s.getCode() == Status.Code.UNAVAILABLE && s.getDescription() != null
                    && s.getDescription().contains(DestinationPolicy.REFUSED)) {
                return BranchResult.refused(s.getDescription());
            }
            Outcome o = Outcome.ofGrpc(s.getCode(), s.getDescription());
            if (o == Outcome.ERROR) {
                log.debug("grpc branch call {} {} {} to {} failed: {}", c.gid(), c.branchId(), c.op(), c.url(), s);
            }
            return new BranchResult(o, detail(s), s.getCode().name());
        } catch (RuntimeException e) {
            // a metadata key gRPC refuses, a closed transport, an unparsable target, …
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.debug("grpc branch call {} {} {} to {} failed: {}", c.gid(), c.branchId(), c.op(), c.url(), msg);
            return new BranchResult(Outcome.ERROR, "grpc call to " + c.url() + " failed: " + msg);
        }
    }

    /** DTM's metadata (spec §5.2): the five {@code dtm-} keys, then the call's headers, keys lower-cased. */
    static Metadata metadata(BranchCall c) {
        Metadata md = new Metadata();
        put(md, "dtm-gid", c.gid());
        put(md, "dtm-trans_type", c.transType());
        put(md, "dtm-branch_id", c.branchId());
        put(md, "dtm-op", c.op());
        put(md, "dtm-dtm", ""); // the server has no gRPC address to offer for nested calls, as in DTM
        c.headers().forEach((k, v) -> put(md, k.toLowerCase(Locale.ROOT), v));
        return md;
    }

    private static void put(Metadata md, String key, String value) {
        if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            md.put(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER), value.getBytes(StandardCharsets.UTF_8));
        } else {
            md.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
        }
    }

    private ManagedChannel channel(String authority) {
        if (closed) {
            throw new IllegalStateException("the gRPC branch transport is closed");
        }
        String target = dockerRewrite ? authority.replaceFirst("localhost", "host.docker.internal")
                .replaceFirst("127\\.0\\.0\\.1", "host.docker.internal") : authority;
        ManagedChannel ch = channels.computeIfAbsent(target, this::open);
        if (closed) {
            // close() ran while this channel was being made: do not leave it behind
            ch.shutdownNow();
            throw new IllegalStateException("the gRPC branch transport is closed");
        }
        return ch;
    }

    @SuppressWarnings("deprecation") // a resolver per channel: the replacement, a global registry, is shared state
    private ManagedChannel open(String target) {
        // host:port with no scheme: gRPC resolves it with the default scheme of the one provider given, ours
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(target, credentials)
                .nameResolverFactory(resolvers);
        if (serviceConfig != null) {
            b.defaultServiceConfig(serviceConfig);
        }
        log.debug("grpc channel to {} opened", target);
        return b.build();
    }

    /** The most detail kept, as for HTTP answers. */
    private static String detail(Status s) {
        String d = s.getDescription() == null ? "" : s.getDescription();
        if (d.length() > HttpBranchTransport.MAX_DETAIL) {
            d = d.substring(0, HttpBranchTransport.MAX_DETAIL) + "…";
        }
        return "grpc status " + s.getCode() + ": " + d;
    }

    /**
     * The service config as grpc-java wants it: JSON objects as maps, arrays as lists, every number a Double.
     *
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    static Map<String, ?> parseServiceConfig(String json) {
        JsonNode n;
        try {
            n = DtmJson.mapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("GrpcServiceConfig is not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("GrpcServiceConfig must be a JSON object: " + json);
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> m = (Map<String, ?>) plain(n);
        return m;
    }

    /** Builds (and drops, unconnected) a channel with the config: grpc-java checks it while building. */
    private static Map<String, ?> usable(Map<String, ?> config) {
        try {
            NettyChannelBuilder.forTarget("localhost:1").usePlaintext().defaultServiceConfig(config).build()
                    .shutdownNow();
            return config;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("GrpcServiceConfig is not a usable gRPC service config: "
                    + e.getMessage(), e);
        }
    }

    private static Object plain(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            n.properties().forEach(e -> m.put(e.getKey(), plain(e.getValue())));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(plain(x)));
            return l;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isNull()) {
            return null;
        }
        return n.asText();
    }

    @Override
    public void close() {
        closed = true;
        RawGrpc.closeAll(channels.values());
        channels.clear();
    }
}
