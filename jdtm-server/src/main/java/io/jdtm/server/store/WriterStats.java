package io.jdtm.server.store;

/**
 * What a store's write path has done since it opened, for {@code /api/metrics} (docs/storage.md, "What to monitor"):
 * the group-commit lanes, the batches they ran (each one database transaction; a write run alone is a batch of
 * one), the writes those held, the time the lanes spent running them, and the transactions the engine retried after
 * a deadlock or serialization failure.
 *
 * @param busyNanos time the lanes spent running batches (statements, commit and its flush), summed over lanes
 */
public record WriterStats(int lanes, long batches, long writes, long busyNanos, long retries) {}
