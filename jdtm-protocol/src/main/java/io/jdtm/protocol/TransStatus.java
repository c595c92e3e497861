package io.jdtm.protocol;

import java.util.Locale;

/** Global transaction status, with DTM's exact wire spelling (note {@code succeed}). */
public enum TransStatus {
    PREPARED("prepared"),
    SUBMITTED("submitted"),
    ABORTING("aborting"),
    SUCCEED("succeed"),
    FAILED("failed");

    private final String wire;

    TransStatus(String wire) {
        this.wire = wire;
    }

    /** The string DTM stores and sends. */
    public String wire() {
        return wire;
    }

    /** True for {@code succeed} and {@code failed}: nothing more happens to such a transaction. */
    public boolean isFinal() {
        return this == SUCCEED || this == FAILED;
    }

    /** Parses DTM's spelling; throws {@link IllegalArgumentException} naming the value otherwise. */
    public static TransStatus parse(String s) {
        if (s != null) {
            String lower = s.toLowerCase(Locale.ROOT);
            for (TransStatus t : values()) {
                if (t.wire.equals(lower)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown transaction status: '" + s + "'");
    }

    @Override
    public String toString() {
        return wire;
    }
}
