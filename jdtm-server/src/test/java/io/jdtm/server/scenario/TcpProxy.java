package io.jdtm.server.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder in front of a real server, to take that server "off the network" without touching it:
 * {@link #cut()} resets every open connection and refuses new ones (as a crashed host would), {@link #restore()}
 * listens again on the same port. {@link #resetWhenSent} drops every connection once, at the moment a client sends
 * a given text (a statement of a schema migration, say), and keeps serving. Thread-safe.
 */
final class TcpProxy implements AutoCloseable {
    private final int targetPort;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;
    private volatile byte[] trigger;
    private volatile boolean triggered;

    TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        this.listener = listen(0);
        this.port = listener.getLocalPort();
        acceptOn(listener);
    }

    int port() {
        return port;
    }

    /** Resets every connection through the proxy and stops listening: new connections are refused. */
    synchronized void cut() {
        closeQuietly(listener);
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0); // RST, not FIN: the peer learns at once that the connection is gone
            } catch (IOException e) {
                // already closed
            }
            closeQuietly(s);
        }
        sockets.clear();
    }

    /**
     * Once, when a client next sends {@code text} (plain bytes, so only where the protocol is not encrypted):
     * resets every connection before the chunk holding it reaches the server. New connections pass as before.
     */
    void resetWhenSent(String text) {
        triggered = false;
        trigger = text.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@link #resetWhenSent} fired. */
    boolean triggered() {
        return triggered;
    }

    /** Listens again on the same port. */
    synchronized void restore() {
        listener = listen(port);
        acceptOn(listener);
    }

    @Override
    public void close() {
        cut();
    }

    private static ServerSocket listen(int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void acceptOn(ServerSocket server) {
        Thread.ofVirtual().name("proxy-accept-" + port).start(() -> {
            while (!server.isClosed()) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    return; // cut
                }
                Socket upstream = new Socket();
                try {
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
                } catch (IOException e) {
                    closeQuietly(client);
                    closeQuietly(upstream);
                    continue;
                }
                sockets.add(client);
                sockets.add(upstream);
                if (server.isClosed()) { // cut while this one was being accepted
                    closeQuietly(client);
                    closeQuietly(upstream);
                    continue;
                }
                Thread.ofVirtual().start(() -> pump(client, upstream, true));
                Thread.ofVirtual().start(() -> pump(upstream, client, false));
            }
        });
    }

    private void pump(Socket from, Socket to, boolean fromClient) {
        byte[] buf = new byte[16 * 1024];
        byte[] tail = new byte[0]; // the end of the previous chunk, for a text split across two chunks
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                byte[] t = trigger;
                if (fromClient && t != null) {
                    byte[] seen = new byte[tail.length + n];
                    System.arraycopy(tail, 0, seen, 0, tail.length);
                    System.arraycopy(buf, 0, seen, tail.length, n);
                    if (contains(seen, t)) {
                        fire();
                        return;
                    }
                    int keep = Math.min(seen.length, t.length - 1);
                    tail = java.util.Arrays.copyOfRange(seen, seen.length - keep, seen.length);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private synchronized void fire() {
        if (trigger == null) {
            return;
        }
        trigger = null;
        triggered = true;
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                // already closed
            }
            closeQuietly(s);
        }
        sockets.clear();
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }
}
