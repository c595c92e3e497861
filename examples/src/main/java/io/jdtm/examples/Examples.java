package io.jdtm.examples;

import io.jdtm.client.DtmClient;
import io.jdtm.client.DtmException;
import io.jdtm.server.JdtmServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Command line of the examples: {@code ./examples/run [--embedded] saga|tcc|msg|xa|workflow|grpc-saga|grpc-tcc|all}.
 * Each example runs twice — the transfer succeeding, then a participant refusing — and the run exits 0 only if every
 * outcome is the expected one.
 *
 * <p>System properties: {@code dtm} (TM address, default {@value DtmClient#DEFAULT_SERVER_URL}), {@code dtm.grpc}
 * (the TM's gRPC address for the gRPC examples, default {@value DtmClient#DEFAULT_GRPC_TARGET}), {@code bank.port}
 * (default 0 = any free port). Environment: {@code JDTM_EXAMPLE_DB_URL} (default {@value Database#DEFAULT_URL}).
 */
public final class Examples {
    private Examples() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the examples named in {@code args}; returns the process exit code. */
    private static final String USAGE =
            "usage: ./examples/run [--embedded] saga|tcc|msg|xa|workflow|grpc-saga|grpc-tcc|all";

    public static int run(String[] args, PrintStream out) {
        boolean embedded = false;
        List<Example> chosen = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--embedded")) {
                embedded = true;
            } else if (a.equals("all")) {
                chosen.addAll(Example.ALL);
            } else {
                Example e = Example.ALL.stream().filter(x -> x.name().equals(a)).findFirst().orElse(null);
                if (e == null) {
                    out.println(USAGE + "   (unknown: " + a + ")");
                    return 2;
                }
                chosen.add(e);
            }
        }
        if (chosen.isEmpty()) {
            out.println(USAGE);
            return 2;
        }
        JdtmServer server = embedded ? startEmbeddedServer(out) : null;
        String dtmUrl = server != null ? server.dtmUrl() : System.getProperty("dtm", DtmClient.DEFAULT_SERVER_URL);
        String dtmGrpc = server != null ? "127.0.0.1:" + server.grpcPort()
                : System.getProperty("dtm.grpc", DtmClient.DEFAULT_GRPC_TARGET);
        boolean grpc = chosen.stream().anyMatch(e -> e.name().startsWith("grpc-"));
        try {
            if (!reachable(DtmClient.builder().serverUrl(dtmUrl), dtmUrl, out)
                    || grpc && !reachable(DtmClient.builder().grpcTarget(dtmGrpc), "gRPC " + dtmGrpc, out)) {
                return 3;
            }
            Database db = Database.fromEnvironment();
            int port = Integer.getInteger("bank.port", 0);
            try (ExampleContext ctx = new ExampleContext(dtmUrl, dtmGrpc, db, "jdtm_examples", port, out)) {
                out.println("TM " + dtmUrl + (grpc ? " and gRPC " + dtmGrpc : "") + ", bank " + ctx.busi()
                        + (grpc ? " and gRPC " + ctx.grpcBank().target() : "") + ", database " + db.url());
                boolean ok = true;
                for (Example e : chosen) {
                    ok &= check(out, e, false, e.run(ctx, false));
                    ok &= check(out, e, true, e.run(ctx, true));
                }
                out.println();
                out.println(ok ? "all examples ended as expected" : "SOME EXAMPLES DID NOT END AS EXPECTED");
                return ok ? 0 : 1;
            } catch (IllegalStateException e) {
                out.println("examples: " + e.getMessage());
                return 3;
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private static boolean check(PrintStream out, Example e, boolean failureVariant, Outcome o) {
        boolean ok = o.asExpected(failureVariant);
        out.printf("   => %s: %s (expected %s)%n", ok ? "OK" : "UNEXPECTED", o.status(),
                failureVariant ? "failed, balances 100/100" : "succeed, balances 70/130");
        return ok;
    }

    private static boolean reachable(DtmClient.Builder client, String address, PrintStream out) {
        try (DtmClient c = client.build()) {
            c.newGid();
            return true;
        } catch (DtmException | IllegalArgumentException e) {
            out.println("examples: no jdtm (or DTM) server answers at " + address + " (" + e.getMessage() + ").");
            out.println("          Start one with ./jdtm in another terminal, set DTM_URL / DTM_GRPC, or use "
                    + "--embedded.");
            return false;
        }
    }

    private static JdtmServer startEmbeddedServer(PrintStream out) {
        try {
            JdtmServer s = JdtmServer.builder().httpPort(0).grpcPort(0)
                    .dataDir(Files.createTempDirectory("jdtm-examples")).host("127.0.0.1").start();
            out.println("started an embedded jdtm server at " + s.dtmUrl());
            return s;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a data directory for the embedded server", e);
        }
    }
}
