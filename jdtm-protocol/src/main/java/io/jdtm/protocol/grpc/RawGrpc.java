package io.jdtm.protocol.grpc;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * What every side of jdtm needs to call or serve a gRPC method it has no generated stub for (a business service's
 * branch method, a workflow callback): DTM's raw pass-through codec, and an orderly close of cached channels.
 */
public final class RawGrpc {
    private RawGrpc() {}

    /** DTM's {@code dtm_raw} codec: a request is sent as the already-encoded message, a reply read as its bytes. */
    public static final MethodDescriptor.Marshaller<byte[]> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** Shuts every channel down, waiting up to a second each for calls in flight before cutting them off. */
    public static void closeAll(Collection<ManagedChannel> channels) {
        for (ManagedChannel ch : channels) {
            ch.shutdown();
        }
        for (ManagedChannel ch : channels) {
            try {
                if (!ch.awaitTermination(1, TimeUnit.SECONDS)) {
                    ch.shutdownNow();
                }
            } catch (InterruptedException e) {
                ch.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
