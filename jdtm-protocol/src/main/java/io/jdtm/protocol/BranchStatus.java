package io.jdtm.protocol;

import java.util.Locale;

/** Status of one stored branch row (one (branch_id, op) pair). */
public enum BranchStatus {
    PREPARED("prepared"),
    SUCCEED("succeed"),
    FAILED("failed");

    private final String wire;

    BranchStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** Parses DTM's spelling; throws {@link IllegalArgumentException} naming the value otherwise. */
    public static BranchStatus parse(String s) {
        if (s != null) {
            String lower = s.toLowerCase(Locale.ROOT);
            for (BranchStatus t : values()) {
                if (t.wire.equals(lower)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown branch status: '" + s + "'");
    }

    @Override
    public String toString() {
        return wire;
    }
}
