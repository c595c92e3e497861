package io.jdtm.server.store;

import io.jdtm.protocol.TransOptions;
import io.jdtm.protocol.TransStatus;
import io.jdtm.protocol.TransType;
import java.time.Instant;
import java.util.Objects;

/**
 * One stored global transaction: a row of DTM's {@code trans_global} table (spec §10.1). Immutable; the
 * {@code with*} methods return changed copies. Optional times and strings are {@code null}/empty when unset.
 *
 * @param id store-assigned id, the paging cursor of SQL stores; 0 before the row is saved
 * @param nextCronInterval seconds
 */
public record TransGlobal(
        long id,
        String gid,
        TransType transType,
        TransStatus status,
        String queryPrepared,
        String protocol,
        Instant createTime,
        Instant updateTime,
        Instant finishTime,
        Instant rollbackTime,
        String result,
        String rollbackReason,
        TransOptions options,
        String customData,
        long nextCronInterval,
        Instant nextCronTime,
        String owner,
        String extData) {

    public TransGlobal {
        Objects.requireNonNull(gid, "gid");
        Objects.requireNonNull(transType, "transType");
        Objects.requireNonNull(status, "status");
        queryPrepared = queryPrepared == null ? "" : queryPrepared;
        protocol = protocol == null ? "" : protocol;
        result = result == null ? "" : result;
        rollbackReason = rollbackReason == null ? "" : rollbackReason;
        options = options == null ? TransOptions.NONE : options;
        customData = customData == null ? "" : customData;
        owner = owner == null ? "" : owner;
        extData = extData == null ? "" : extData;
    }

    public TransGlobal withStatus(TransStatus s) {
        return new TransGlobal(id, gid, transType, s, queryPrepared, protocol, createTime, updateTime, finishTime,
                rollbackTime, result, rollbackReason, options, customData, nextCronInterval, nextCronTime, owner,
                extData);
    }

    public TransGlobal withOptions(TransOptions o) {
        return new TransGlobal(id, gid, transType, status, queryPrepared, protocol, createTime, updateTime,
                finishTime, rollbackTime, result, rollbackReason, o, customData, nextCronInterval, nextCronTime,
                owner, extData);
    }

    public TransGlobal withRollbackReason(String reason) {
        return new TransGlobal(id, gid, transType, status, queryPrepared, protocol, createTime, updateTime,
                finishTime, rollbackTime, result, reason, options, customData, nextCronInterval, nextCronTime,
                owner, extData);
    }

    public TransGlobal withCustomData(String cd) {
        return new TransGlobal(id, gid, transType, status, queryPrepared, protocol, createTime, updateTime,
                finishTime, rollbackTime, result, rollbackReason, options, cd, nextCronInterval, nextCronTime,
                owner, extData);
    }

    public TransGlobal withCreateTime(Instant t) {
        return new TransGlobal(id, gid, transType, status, queryPrepared, protocol, t, updateTime, finishTime,
                rollbackTime, result, rollbackReason, options, customData, nextCronInterval, nextCronTime, owner,
                extData);
    }

    public TransGlobal withSchedule(long interval, Instant next, Instant updated) {
        return new TransGlobal(id, gid, transType, status, queryPrepared, protocol, createTime, updated,
                finishTime, rollbackTime, result, rollbackReason, options, customData, interval, next, owner,
                extData);
    }

    /** This row held by a pass: {@code owner} is the pass's lease, {@code until} its end (the stored next_cron_time). */
    public TransGlobal withLease(String leaseOwner, Instant until) {
        return new TransGlobal(id, gid, transType, status, queryPrepared, protocol, createTime, updateTime,
                finishTime, rollbackTime, result, rollbackReason, options, customData, nextCronInterval, until,
                leaseOwner, extData);
    }

    /** The copy a successful {@link TransStore#changeStatus} leaves in the store. */
    public TransGlobal afterChange(StatusChange c) {
        return new TransGlobal(id, gid, transType, c.to(), queryPrepared, protocol, createTime, c.now(),
                c.to() == TransStatus.SUCCEED ? c.now() : finishTime,
                c.to() == TransStatus.FAILED ? c.now() : rollbackTime,
                c.result().isEmpty() ? result : c.result(),
                c.rollbackReason().isEmpty() ? rollbackReason : c.rollbackReason(),
                options, customData, nextCronInterval, nextCronTime, owner, extData);
    }
}
