package io.jdtm.server.store;

import io.jdtm.protocol.BranchStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * One stored branch operation: a row of DTM's {@code trans_branch_op} table, unique by (gid, branch_id, op).
 * Branch order is insertion order. {@code binData} is the payload (or a workflow step's result) and is never
 * mutated by anyone.
 */
public record TransBranch(
        long id,
        String gid,
        String url,
        byte[] binData,
        String branchId,
        String op,
        BranchStatus status,
        Instant createTime,
        Instant updateTime,
        Instant finishTime,
        Instant rollbackTime) {

    public TransBranch {
        Objects.requireNonNull(gid, "gid");
        Objects.requireNonNull(branchId, "branchId");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(status, "status");
        url = url == null ? "" : url;
        binData = binData == null ? new byte[0] : binData;
    }

    public static TransBranch create(String gid, String url, byte[] data, String branchId, String op,
            BranchStatus status, Instant now) {
        return new TransBranch(0, gid, url, data, branchId, op, status, now, now, null, null);
    }

    /** The copy after a status write at {@code now} (finish_time is set on every status write, as DTM does). */
    public TransBranch withStatus(BranchStatus s, Instant now) {
        return new TransBranch(id, gid, url, binData, branchId, op, s, createTime, now, now, rollbackTime);
    }
}
