package io.jdtm.client;

/**
 * Hands out branch ids under a parent id (spec §12.2): {@code 01} … {@code 99} at top level, {@code 0201} … for
 * branches nested under {@code 02}. Used by TCC, XA and workflow. Thread-safe: concurrent callers get distinct ids.
 */
public final class BranchIdGenerator {
    private static final int MAX_PARENT_LENGTH = 20;
    private static final int MAX_BRANCHES = 99;

    private final String parentId;
    private int counter;

    /** A generator for top-level branches. */
    public BranchIdGenerator() {
        this("");
    }

    /** A generator for sub-branches of {@code parentId} ({@code ""} = top level). */
    public BranchIdGenerator(String parentId) {
        if (parentId == null) {
            throw new IllegalArgumentException("parentId must not be null (use \"\" for top level)");
        }
        this.parentId = parentId;
    }

    public String parentId() {
        return parentId;
    }

    /**
     * The next id.
     *
     * @throws IllegalStateException after 99 ids, or when the parent id is 20 characters or longer (DTM's limits)
     */
    public synchronized String next() {
        if (counter >= MAX_BRANCHES) {
            throw new IllegalStateException("more than " + MAX_BRANCHES + " branches under parent '" + parentId + "'");
        }
        if (parentId.length() >= MAX_PARENT_LENGTH) {
            throw new IllegalStateException("branch nesting too deep: parent id '" + parentId + "' has "
                    + parentId.length() + " characters (limit " + (MAX_PARENT_LENGTH - 1) + ")");
        }
        counter++;
        return parentId + (counter < 10 ? "0" : "") + counter;
    }

    /** The last id handed out, {@code ""} before the first. */
    public synchronized String current() {
        return counter == 0 ? "" : parentId + (counter < 10 ? "0" : "") + counter;
    }
}
