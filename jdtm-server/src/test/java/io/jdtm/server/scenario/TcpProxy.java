package io.jdtm.server.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder in front of a real server, to take that server "off the network" without touching it:
 * {@link #cut()} resets every open connection and refuses new ones (as a crashed host would), {@link #restore()}
 * listens again on the same port. Thread-safe.
 */
final class TcpProxy implements AutoCloseable {
    private final int targetPort;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;

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
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            }
        });
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
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

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }
}
