package io.jdtm.server.store;

import io.jdtm.server.config.StoreConfig;

/** Placeholder so Main compiles on the config branch; the real factory comes from the store branch on merge. */
public final class StoreFactory {

    private StoreFactory() {}

    /** Opens the engine named by {@code config.driver()}. */
    public static TransStore open(StoreConfig config) {
        throw new UnsupportedOperationException("StoreFactory placeholder: replaced on merge");
    }
}
