package io.jdtm.client.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.transaction.xa.Xid;

/**
 * The XA id of a DTM branch: global transaction id {@code <gid>-<branch_id>} (DTM's xid), branch qualifier
 * {@code <branch_id>}, format id 1. The qualifier is not empty because mariadb-java-client 4.0 writes an empty one as
 * the invalid SQL literal {@code 0x}.
 */
public record SimpleXid(byte[] gtrid, byte[] bqual) implements Xid {
    public static SimpleXid of(String gid, String branchId) {
        return new SimpleXid((gid + "-" + branchId).getBytes(StandardCharsets.UTF_8),
                branchId.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int getFormatId() {
        return 1;
    }

    @Override
    public byte[] getGlobalTransactionId() {
        return gtrid.clone();
    }

    @Override
    public byte[] getBranchQualifier() {
        return bqual.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimpleXid x && Arrays.equals(gtrid, x.gtrid) && Arrays.equals(bqual, x.bqual);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(gtrid) + Arrays.hashCode(bqual);
    }

    @Override
    public String toString() {
        return new String(gtrid, StandardCharsets.UTF_8);
    }
}
