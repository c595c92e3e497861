package io.jdtm.server.store.jdbc;

import io.jdtm.protocol.BranchStatus;
import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import io.jdtm.server.store.TransBranch;
import io.jdtm.server.store.TransGlobal;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The process {@link SqliteDurabilityTest} kills: opens the store in {@code args[0]} and saves transactions from 32
 * virtual threads forever, printing {@code ACK <gid>} after each saveNew returned. It never exits on its own.
 */
public final class DurabilityChild {
    private DurabilityChild() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        JdbcTransStore store = JdbcTransStore.openEmbedded(Path.of(args[0]));
        out.println("READY");
        Instant now = Instant.parse("2026-03-01T10:00:00Z");
        Thread[] workers = new Thread[32];
        for (int t = 0; t < workers.length; t++) {
            int thread = t;
            workers[t] = Thread.ofVirtual().start(() -> {
                for (long n = 0; ; n++) {
                    String gid = "d-" + thread + "-" + n;
                    TransGlobal g = new TransGlobal(0, gid, TransType.SAGA, TransStatus.SUBMITTED, "", "http", now,
                            now, null, null, "", "", TransOptions.NONE, "", 10, now, "", "");
                    store.saveNew(g, List.of(TransBranch.create(gid, "http://busi/a", new byte[] {1, 2, 3}, "01",
                            "action", BranchStatus.PREPARED, now)));
                    // Printed only after saveNew returned, i.e. after the commit's fsync: an ACK is a promise.
                    synchronized (out) {
                        out.println("ACK " + gid);
                    }
                }
            });
        }
        for (Thread w : workers) {
            w.join();
        }
    }
}
