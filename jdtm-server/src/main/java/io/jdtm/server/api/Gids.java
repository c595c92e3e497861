package io.jdtm.server.api;

import java.util.concurrent.ThreadLocalRandom;

/**
 * New gids in DTM's style: 22 characters of base57 ("shortuuid") over 128 random bits. Clients never parse gids;
 * only uniqueness matters, so a thread-local generator is enough and never contends. Shared by every front end
 * (HTTP, JSON-RPC, gRPC).
 */
public final class Gids {
    private static final char[] ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
    private static final int LENGTH = 22;

    private Gids() {}

    /** A new gid; thread-safe. */
    public static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = r.nextLong();
        long lo = r.nextLong();
        char[] out = new char[LENGTH];
        // 128-bit unsigned value divided by 57 repeatedly, in two 64-bit halves
        for (int i = LENGTH - 1; i >= 0; i--) {
            long hq = Long.divideUnsigned(hi, 57);
            long hr = Long.remainderUnsigned(hi, 57);
            // (hr * 2^64 + lo) / 57, done in 32-bit steps to avoid overflow
            long mid = (hr << 32) | (lo >>> 32);
            long mq = Long.divideUnsigned(mid, 57);
            long mr = Long.remainderUnsigned(mid, 57);
            long low = (mr << 32) | (lo & 0xFFFFFFFFL);
            long lq = Long.divideUnsigned(low, 57);
            long lr = Long.remainderUnsigned(low, 57);
            hi = hq;
            lo = (mq << 32) | lq;
            out[i] = ALPHABET[(int) lr];
        }
        return new String(out);
    }
}
