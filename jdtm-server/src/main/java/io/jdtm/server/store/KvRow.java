package io.jdtm.server.store;

import java.time.Instant;

/** A row of DTM's {@code kv} table: unique by (cat, k), with an optimistic {@code version} starting at 1. */
public record KvRow(long id, String cat, String k, String v, long version, Instant createTime, Instant updateTime) {}
