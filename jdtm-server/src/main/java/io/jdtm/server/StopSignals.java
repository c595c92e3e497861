package io.jdtm.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request for a clean stop, with exit code 0, instead of the JVM's default (run the shutdown
 * hooks, then exit 143 or 130).
 *
 * <p>Why {@code sun.misc.Signal}: the JDK has no public API that replaces the JVM's action on a signal. A shutdown
 * hook runs, but the process still exits 128 + the signal number (and {@code Runtime.halt(0)} from a hook would cut
 * the other hooks short); and once the JVM's shutdown began, a second signal does nothing, so an operator could not
 * cut a slow stop short. {@code sun.misc.Signal} lives in the {@code jdk.unsupported} module, which the JDK keeps
 * exported for exactly such uses (JEP 260) and which works unchanged from JDK 9 to 25. Where a signal cannot be
 * handled (a JVM started with {@code -Xrs}, another platform), the JVM's default stays: Main's shutdown hook still
 * stops the server cleanly, only the exit code is the JVM's.
 *
 * <ul>
 *   <li>The first signal releases {@link #await} and interrupts the thread registered with {@link #interruptOnStop}
 *       (the start-up, while it waits for the store).</li>
 *   <li>A second signal ends the process at once, exit code 128 + the signal number, as the JVM's default would.</li>
 *   <li>{@link #deadline} ends the process with exit code 1 if the stop takes far longer than it may.</li>
 * </ul>
 */
final class StopSignals {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicReference<String> first = new AtomicReference<>();
    private volatile Thread interruptOnStop;

    private StopSignals() {}

    /** Takes over SIGTERM and SIGINT for this JVM. Once per process. */
    static StopSignals install() {
        StopSignals s = new StopSignals();
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), s::received);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.debug("SIG{} cannot be handled here ({}); the JVM's default applies", name, e.getMessage());
            }
        }
        return s;
    }

    private void received(Signal sig) {
        String name = "SIG" + sig.getName();
        if (first.compareAndSet(null, name)) {
            requested.countDown();
            Thread t = interruptOnStop;
            if (t != null) {
                t.interrupt();
            }
            return;
        }
        LOG.warn("{} while stopping: exiting now; leases not yet released run out by themselves", name);
        Runtime.getRuntime().halt(128 + sig.getNumber());
    }

    /** The thread to interrupt when a stop is requested (null: none). */
    void interruptOnStop(Thread t) {
        interruptOnStop = t;
        if (t != null && stopRequested()) {
            t.interrupt();
        }
    }

    boolean stopRequested() {
        return requested.getCount() == 0;
    }

    /** The signal that asked for the stop, e.g. {@code SIGTERM}; empty before. */
    String signal() {
        String s = first.get();
        return s == null ? "" : s;
    }

    /** Blocks until a stop is requested. */
    void await() throws InterruptedException {
        requested.await();
    }

    /**
     * From now on the stop has {@code limit}: past it, the process exits with code {@code code} whatever it is doing
     * (a hung store or listener must not keep a stopping TM alive).
     */
    static void deadline(Duration limit, int code) {
        Thread.ofPlatform().name("jdtm-stop-deadline").daemon(true).start(() -> {
            try {
                Thread.sleep(limit); // a watchdog: the stop normally ends long before
            } catch (InterruptedException e) {
                return;
            }
            LOG.error("jdtm did not stop within {} s; exiting now", limit.toSeconds());
            Runtime.getRuntime().halt(code);
        });
    }
}
