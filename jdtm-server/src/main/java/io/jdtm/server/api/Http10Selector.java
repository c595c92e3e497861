package io.jdtm.server.api;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * Helidon's HTTP/1 connections, also serving HTTP/1.0 — what nginx sends to its upstreams by default, and what
 * {@code ab} and old load balancers' health checks speak. Helidon 4 answers HTTP/1.0 with a 505; this selector hands
 * Helidon a connection whose first request reads as HTTP/1.1 with {@code Connection: close} (and a {@code Host}
 * when the client sent none), which is exactly HTTP/1.0's default: one request, one answer, then the connection
 * closes: after the request's body the connection reads as ended, so Helidon closes it once the answer is out (it
 * would otherwise wait for the client to close). Every answer jdtm sends has a {@code Content-Length}, never chunks, so an HTTP/1.0 client reads it as is;
 * the status line says HTTP/1.1, which RFC 9110 §6.2 allows. HTTP/1.1 connections pass through untouched.
 */
public final class Http10Selector implements ServerConnectionSelector {
    /** The longest request head (request line and headers) rewritten; a longer one passes to Helidon unchanged. */
    private static final int MAX_HEAD = 16 * 1024;
    private static final byte[] HTTP10 = " HTTP/1.0".getBytes(StandardCharsets.US_ASCII);

    private final ServerConnectionSelector http1;

    public Http10Selector(Http1Config config) {
        this.http1 = Http1ConnectionSelector.builder().config(config).build();
    }

    @Override
    public int bytesToIdentifyConnection() {
        return http1.bytesToIdentifyConnection();
    }

    @Override
    public Support supports(BufferData data) {
        return http1.supports(data);
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        DataReader rewritten = DataReader.create(new FirstRequest(ctx.dataReader()));
        return http1.connection(new Context(ctx, rewritten));
    }

    /**
     * The socket's bytes, with the first request's head rewritten when it is HTTP/1.0. Reads the head up to its
     * blank line before deciding what to pass on; after it, bytes pass through as they arrive.
     */
    static final class FirstRequest implements Supplier<byte[]> {
        private final DataReader in;
        private boolean first = true;
        /** Bytes of the rewritten request's body still to pass on; -1 for no limit (not HTTP/1.0). */
        private long remaining = -1;

        FirstRequest(DataReader in) {
            this.in = in;
        }

        @Override
        public byte[] get() {
            if (!first) {
                if (remaining < 0) {
                    return next();
                }
                if (remaining == 0) {
                    return null; // an HTTP/1.0 request is over: the connection ends with its answer
                }
                byte[] b = next();
                if (b != null && b.length > remaining) {
                    b = Arrays.copyOf(b, (int) remaining);
                }
                remaining -= b == null ? 0 : b.length;
                return b;
            }
            first = false;
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int lineEnd = -1;
            while (true) {
                byte[] chunk = next();
                if (chunk == null) {
                    return head.size() == 0 ? null : head.toByteArray();
                }
                head.writeBytes(chunk);
                byte[] sofar = head.toByteArray();
                if (lineEnd < 0) {
                    lineEnd = indexOf(sofar, "\r\n".getBytes(StandardCharsets.US_ASCII), 0);
                    if (lineEnd >= 0 && !endsWith(sofar, lineEnd, HTTP10)) {
                        return sofar; // not HTTP/1.0: nothing to change
                    }
                }
                int headEnd = lineEnd < 0 ? -1 : indexOf(sofar, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                        lineEnd);
                if (headEnd >= 0) {
                    Head h = rewrite(sofar, lineEnd, headEnd);
                    if (h.bodyLength() < 0) {
                        return h.bytes();
                    }
                    int bodySoFar = h.bytes().length - h.headLength();
                    int keep = (int) Math.min(bodySoFar, h.bodyLength());
                    remaining = h.bodyLength() - keep;
                    return Arrays.copyOf(h.bytes(), h.headLength() + keep);
                }
                if (sofar.length > MAX_HEAD) {
                    return sofar; // Helidon refuses it with its own limits
                }
            }
        }

        private byte[] next() {
            in.ensureAvailable();
            return in.readBytes(in.available());
        }

        /**
         * A rewritten request: its bytes (head, then what arrived of the body), the head's length, and the body's
         * length from {@code Content-Length} (0 without one; -1 when the body is chunked: no limit then).
         */
        record Head(byte[] bytes, int headLength, long bodyLength) {}

        /** Request line as HTTP/1.1, the client's headers less {@code Connection}, then a Host if missing. */
        static Head rewrite(byte[] b, int lineEnd, int headEnd) {
            StringBuilder out = new StringBuilder(headEnd + 64);
            String line = new String(b, 0, lineEnd - HTTP10.length, StandardCharsets.ISO_8859_1);
            out.append(line).append(" HTTP/1.1\r\n");
            boolean host = false;
            long bodyLength = 0;
            String headers = new String(b, lineEnd + 2, Math.max(0, headEnd - lineEnd - 2),
                    StandardCharsets.ISO_8859_1);
            for (String h : headers.split("\r\n")) {
                if (h.isEmpty()) {
                    continue;
                }
                String name = h.substring(0, Math.max(0, h.indexOf(':'))).trim().toLowerCase(Locale.ROOT);
                if (name.equals("connection") || name.equals("keep-alive")) {
                    continue;
                }
                host |= name.equals("host");
                if (name.equals("transfer-encoding")) {
                    bodyLength = -1;
                } else if (name.equals("content-length") && bodyLength >= 0) {
                    try {
                        bodyLength = Long.parseLong(h.substring(h.indexOf(':') + 1).trim());
                    } catch (NumberFormatException e) {
                        bodyLength = -1; // Helidon refuses it
                    }
                }
                out.append(h).append("\r\n");
            }
            if (!host) {
                out.append("Host: localhost\r\n");
            }
            out.append("Connection: close\r\n\r\n");
            byte[] newHead = out.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] rest = Arrays.copyOfRange(b, headEnd + 4, b.length);
            byte[] all = Arrays.copyOf(newHead, newHead.length + rest.length);
            System.arraycopy(rest, 0, all, newHead.length, rest.length);
            return new Head(all, newHead.length, bodyLength);
        }

        private static boolean endsWith(byte[] b, int end, byte[] suffix) {
            if (end < suffix.length) {
                return false;
            }
            return Arrays.equals(b, end - suffix.length, end, suffix, 0, suffix.length);
        }

        private static int indexOf(byte[] b, byte[] what, int from) {
            outer:
            for (int i = from; i <= b.length - what.length; i++) {
                for (int j = 0; j < what.length; j++) {
                    if (b[i + j] != what[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    /** The listener's connection with another reader. */
    private record Context(ConnectionContext delegate, DataReader reader) implements ConnectionContext {
        @Override
        public DataReader dataReader() {
            return reader;
        }

        @Override
        public ListenerContext listenerContext() {
            return delegate.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return delegate.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return delegate.dataWriter();
        }

        @Override
        public Router router() {
            return delegate.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return delegate.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return delegate.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return delegate.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return delegate.localPeer();
        }

        @Override
        public boolean isSecure() {
            return delegate.isSecure();
        }

        @Override
        public String socketId() {
            return delegate.socketId();
        }

        @Override
        public String childSocketId() {
            return delegate.childSocketId();
        }
    }
}
