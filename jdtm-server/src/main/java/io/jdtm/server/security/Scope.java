package io.jdtm.server.security;

/** Who may make a call when tokens are configured (docs/security.md). */
public enum Scope {
    /** Anyone, always: {@code /api/ping} and the gRPC health service, for load balancers. */
    OPEN,
    /** A token of {@code Auth.Tokens} or {@code Auth.AdminTokens}; anyone when {@code Auth.Tokens} is empty. */
    API,
    /**
     * A token of {@code Auth.AdminTokens}; when that list is empty, the same as {@link #API}: the operator operations
     * and the admin UI.
     */
    ADMIN
}
