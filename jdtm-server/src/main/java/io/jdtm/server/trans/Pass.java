package io.jdtm.server.trans;

import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.server.store.TransGlobal;
import java.time.Instant;

/**
 * The state of one processing pass over one transaction: the in-memory view of the global row, the options in
 * force, and the schedule bookkeeping of spec §6.4. Branch calls of a concurrent saga touch it from several
 * virtual threads, so the mutable parts are guarded by this object.
 */
final class Pass {
    private volatile TransGlobal global;
    final Instant start;
    private Instant lastTouch;
    private long interval;

    Pass(TransGlobal global, Instant start) {
        this.global = global;
        this.start = start;
        this.lastTouch = start;
        this.interval = global.nextCronInterval();
    }

    TransGlobal global() {
        return global;
    }

    void global(TransGlobal g) {
        this.global = g;
    }

    TransStatus status() {
        return global.status();
    }

    TransOptions options() {
        return global.options();
    }

    String gid() {
        return global.gid();
    }

    synchronized long interval() {
        return interval;
    }

    synchronized Instant lastTouch() {
        return lastTouch;
    }

    synchronized void touched(long newInterval, Instant at) {
        this.interval = newInterval;
        this.lastTouch = at;
    }
}
