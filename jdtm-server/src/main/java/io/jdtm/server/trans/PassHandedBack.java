package io.jdtm.server.trans;

/**
 * The server is stopping and this pass was about to start a branch call: the pass stops before that call (and
 * decides nothing more), and {@link Passes} releases its lease due at once, so another TM instance (or this one
 * after its restart) continues the transaction without waiting for the lease to run out.
 */
final class PassHandedBack extends RuntimeException {
    PassHandedBack(String gid) {
        super("pass of " + gid + " handed back: jdtm is stopping", null, false, false);
    }
}
