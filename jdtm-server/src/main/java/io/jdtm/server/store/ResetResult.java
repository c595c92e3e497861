package io.jdtm.server.store;

/** Result of {@link TransStore#resetCronTime}: how many rows were pulled back, and whether more may remain. */
public record ResetResult(int count, boolean hasRemaining) {}
