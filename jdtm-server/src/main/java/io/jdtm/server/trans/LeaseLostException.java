package io.jdtm.server.trans;

/**
 * A pass found that it no longer holds its transaction's lease (another pass, in this or another TM, took it over
 * after it expired): the pass stops at once, calling, writing and deciding nothing more. Expected under long
 * pauses or store outages; the transaction is driven by the new holder.
 */
final class LeaseLostException extends RuntimeException {
    LeaseLostException(String gid, String why) {
        super("pass of " + gid + " stopped: " + why, null, false, false);
    }
}
