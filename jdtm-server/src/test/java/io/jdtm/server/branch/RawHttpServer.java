package io.jdtm.server.branch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare HTTP/1.1 server for branch-call tests: records each request head as sent and answers every request the
 * same way (requests must have no body). How it treats the connection after an answer is its {@link Mode}.
 */
final class RawHttpServer implements AutoCloseable {
    enum Mode {
        /** answers every request on the connection */
        KEEP_ALIVE,
        /** closes the connection after each answer, without saying so in the answer */
        CLOSE_AFTER_ANSWER,
        /** answers the first request on a connection and never the later ones */
        ANSWER_FIRST_ONLY
    }

    private final ServerSocket socket;
    private final Mode mode;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closedByClient = new AtomicInteger();

    RawHttpServer(String answer) {
        this(answer, Mode.KEEP_ALIVE);
    }

    RawHttpServer(String answer, Mode mode) {
        this.mode = mode;
        try {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Thread.startVirtualThread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    connections.incrementAndGet();
                    Thread.startVirtualThread(() -> serve(s, answer));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    private void serve(Socket s, String answer) {
        try (s) {
            InputStream in = s.getInputStream();
            for (int n = 0; ; n++) {
                String head = readHead(in);
                if (head == null) {
                    closedByClient.incrementAndGet();
                    return;
                }
                requests.add(head);
                if (mode == Mode.ANSWER_FIRST_ONLY && n > 0) {
                    continue;
                }
                s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                if (mode == Mode.CLOSE_AFTER_ANSWER) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** The bytes up to and including the blank line, as ISO-8859-1 text; null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (b.size() >= 4 && b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    int port() {
        return socket.getLocalPort();
    }

    List<String> requests() {
        return requests;
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    /** Connections the client closed (the end of its stream between two requests). */
    int closedByClient() {
        return closedByClient.get();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
