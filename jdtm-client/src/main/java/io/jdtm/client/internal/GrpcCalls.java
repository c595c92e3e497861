package io.jdtm.client.internal;

import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.jdtm.protocol.grpc.RawGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.jdtm.client.DtmException;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.DtmOngoingException;
import io.jdtm.client.DtmUnknownException;
import io.jdtm.protocol.Outcome;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * gRPC branch calls and DTM's gRPC result rules (spec §2.3, §5.2, §12.8), in one place for the TM transport, the AP's
 * own branch calls and the RM helpers. Stateless.
 */
public final class GrpcCalls {
    private GrpcCalls() {}

    /** Metadata key prefix of DTM's branch context ({@code dtm-gid}, {@code dtm-op}, …). */
    public static final String PREFIX = "dtm-";

    public static final MethodDescriptor.Marshaller<byte[]> RAW = RawGrpc.MARSHALLER;

    /**
     * Whether a branch URL is called over gRPC: everything but {@code http://} and {@code https://} URLs (spec §5,
     * the rule DTM's TM applies to a gRPC transaction).
     */
    public static boolean isGrpcUrl(String url) {
        return !(url.startsWith("http://") || url.startsWith("https://"));
    }

    /** A gRPC branch URL split as DTM's default driver splits it: dial target, full method name. */
    public record Target(String authority, String fullMethod) {
        /**
         * @throws IllegalArgumentException naming the URL when it is not {@code host:port/package.Service/Method}
         */
        public static Target parse(String url) {
            int sep = url.indexOf('/');
            if (url.contains("://")) {
                throw new IllegalArgumentException("gRPC branch URL '" + url + "' uses a scheme:// target, which needs "
                        + "a service-discovery driver; only DTM's default form host:port/package.Service/Method is "
                        + "supported");
            }
            if (sep <= 0 || sep == url.length() - 1 || url.indexOf('/', sep + 1) < 0) {
                throw new IllegalArgumentException("bad gRPC branch URL '" + url
                        + "' (expected host:port/package.Service/Method)");
            }
            return new Target(url.substring(0, sep), url.substring(sep + 1));
        }
    }

    /**
     * DTM's branch metadata (spec §5.2, §8): {@code dtm-gid}, {@code dtm-trans_type}, {@code dtm-branch_id},
     * {@code dtm-op}, {@code dtm-dtm}, then {@code extra} (e.g. {@code dtm-phase2_url}) and the transaction's branch
     * headers with lower-cased keys.
     */
    public static Metadata metadata(String gid, String transType, String branchId, String op, String dtm,
            Map<String, String> extra, Map<String, String> headers) {
        Metadata md = new Metadata();
        put(md, PREFIX + "gid", gid);
        put(md, PREFIX + "trans_type", transType);
        put(md, PREFIX + "branch_id", branchId);
        put(md, PREFIX + "op", op);
        put(md, PREFIX + "dtm", dtm);
        extra.forEach((k, v) -> put(md, k, v));
        headers.forEach((k, v) -> put(md, k.toLowerCase(Locale.ROOT), v));
        return md;
    }

    /** The value of {@code key} (last one wins, as Go's {@code md.Get(key)[0]} of a single value), {@code ""}. */
    public static String get(Metadata md, String key) {
        String v = md.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        return v == null ? "" : v;
    }

    private static void put(Metadata md, String key, String value) {
        if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            md.put(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER), value.getBytes(StandardCharsets.UTF_8));
        } else {
            md.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
        }
    }

    /**
     * One unary call of {@code url} with an already-encoded request; blocks until the answer or the deadline.
     *
     * @return the reply message's bytes
     * @throws StatusRuntimeException the call did not end OK (classify with {@link #error})
     * @throws IllegalArgumentException the URL is not a gRPC branch URL
     */
    public static byte[] invoke(GrpcChannels channels, String url, byte[] request, Metadata md, Duration timeout) {
        Target t = Target.parse(url);
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.newBuilder(RAW, RAW)
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(t.fullMethod())
                .build();
        CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return ClientCalls.blockingUnaryCall(
                io.grpc.ClientInterceptors.intercept(channels.channel(t.authority()),
                        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md)),
                method, opts, request);
    }

    /**
     * The SDK error for a call that did not end OK (spec §2.3): ABORTED is FAILURE (except the message exactly
     * {@code ONGOING}, from RMs older than DTM v1.10), FAILED_PRECONDITION is ONGOING, anything else an unknown
     * outcome.
     *
     * @param prefix text before the status, e.g. {@code "Submit answered "}; {@code null}: the message is the status
     *     description alone (what a workflow records as a step's FAILURE)
     */
    public static DtmException error(String prefix, String gid, StatusRuntimeException e) {
        Status s = e.getStatus();
        String description = s.getDescription() == null ? "" : s.getDescription();
        String text = prefix == null ? description : prefix + s.getCode() + ": " + description;
        return switch (Outcome.ofGrpc(s.getCode(), s.getDescription())) {
            case FAILURE -> new DtmFailureException(text, gid, e);
            case ONGOING -> new DtmOngoingException(text, gid);
            default -> new DtmUnknownException(prefix == null ? s.getCode() + ": " + description : text, gid, e);
        };
    }

    /**
     * The status an RM answers for a handler's outcome (spec §2.3, DTM's {@code DtmError2GrpcError}): FAILURE
     * ABORTED with the message, ONGOING FAILED_PRECONDITION, a missing or bad argument INVALID_ARGUMENT, anything else
     * UNKNOWN (the TM retries with backoff).
     */
    public static Status statusOf(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof DtmFailureException) {
            return Status.ABORTED.withDescription(m);
        }
        if (e instanceof DtmOngoingException) {
            return Status.FAILED_PRECONDITION.withDescription(m);
        }
        if (e instanceof StatusRuntimeException sre) {
            return sre.getStatus();
        }
        if (e instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(m).withCause(e);
        }
        return Status.UNKNOWN.withDescription(m).withCause(e);
    }
}
