package io.jdtm.protocol;

import java.util.Optional;

/** The five transaction modes, with DTM's wire names. */
public enum TransType {
    SAGA("saga"),
    MSG("msg"),
    TCC("tcc"),
    XA("xa"),
    WORKFLOW("workflow");

    private final String wire;

    TransType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** Exact, case-sensitive match as DTM does; empty when the name is not a known type. */
    public static Optional<TransType> find(String s) {
        for (TransType t : values()) {
            if (t.wire.equals(s)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return wire;
    }
}
