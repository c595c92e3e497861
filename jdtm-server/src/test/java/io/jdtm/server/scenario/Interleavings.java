package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.scenario.FakeRm.Span;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** What the one-pass-per-transaction tests check in an RM's call log, and how they run a second trigger. */
final class Interleavings {
    private Interleavings() {}

    /**
     * Runs {@code task} on its own virtual thread (not the common pool, which on a 2-core machine runs one task at
     * a time and would serialize the triggers a test means to overlap).
     */
    static <T> CompletableFuture<T> async(Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            try {
                f.complete(task.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** The value of a label-less metric of the server behind {@code api}, 0 when absent. */
    static double metric(DtmHttp api, String name) {
        for (String line : api.get("/api/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }

    /** No two calls of the transaction were being answered at the same time (the tests' transactions are sequential). */
    static void assertNoOverlap(FakeRm rm, String gid) {
        List<Span> spans = rm.spans().stream().filter(s -> s.gid().equals(gid)).toList();
        for (int i = 0; i < spans.size(); i++) {
            for (int j = i + 1; j < spans.size(); j++) {
                assertThat(spans.get(i).overlaps(spans.get(j)))
                        .as("calls %s and %s of %s overlapped", spans.get(i), spans.get(j), gid).isFalse();
            }
        }
    }

    /**
     * The effects of a finished saga are balanced: succeed ⇒ every action applied and nothing compensated; failed
     * ⇒ every action the RM applied (answered 200) was compensated (answered 200).
     */
    static void assertSagaBalanced(FakeRm rm, String gid, String status) {
        List<Span> spans = rm.spans().stream().filter(s -> s.gid().equals(gid)).toList();
        for (String branch : spans.stream().map(Span::branchId).distinct().toList()) {
            boolean applied = spans.stream().anyMatch(s -> s.branchId().equals(branch) && s.op().equals("action")
                    && s.status() == 200);
            boolean compensated = spans.stream().anyMatch(s -> s.branchId().equals(branch)
                    && s.op().equals("compensate") && s.status() == 200);
            if (status.equals("succeed")) {
                assertThat(applied && !compensated).as("branch %s of succeeded %s: %s", branch, gid, spans).isTrue();
            } else {
                assertThat(status).isEqualTo("failed");
                assertThat(!applied || compensated).as("branch %s of failed %s: %s", branch, gid, spans).isTrue();
            }
        }
    }
}
