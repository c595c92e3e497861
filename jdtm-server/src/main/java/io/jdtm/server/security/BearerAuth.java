package io.jdtm.server.security;

import io.jdtm.server.config.AuthConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a call may proceed from its {@code Authorization} header (HTTP) or metadata (gRPC), given the
 * call's {@link Scope} and the configured tokens ({@code Auth.Tokens}, {@code Auth.AdminTokens}). Transport-neutral:
 * {@link HttpAuthFilter} and {@link GrpcAuthInterceptor} turn a {@link Verdict} into their answers.
 *
 * <p>Tokens are kept only as SHA-256 digests, and a presented token is compared with every configured one in
 * constant time ({@link MessageDigest#isEqual} on equal-length digests, no early exit), so neither the content nor
 * the length of a token can be learnt from timing. Nothing here logs or returns a token. Immutable and thread-safe.
 */
public final class BearerAuth {

    /** The outcome of a check; every refusal says why in a sentence fit for the caller. */
    public enum Verdict {
        ALLOWED(""),
        /** No {@code Authorization: Bearer …} header. */
        MISSING("this call needs a bearer token: send the header 'Authorization: Bearer <token>'"),
        /** A bearer token that is not configured. */
        WRONG("the bearer token is not accepted"),
        /** A valid token that is not an admin token, on an admin operation. */
        NOT_ADMIN("this is an admin operation: it needs an admin token (Auth.AdminTokens)");

        private final String message;

        Verdict(String message) {
            this.message = message;
        }

        /** The sentence for the caller; never names the token. */
        public String message() {
            return message;
        }

        /** The {@code reason} label of the refused-calls counter: missing, wrong, not_admin. */
        public String reason() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Off: every call is allowed. */
    public static final BearerAuth OFF = new BearerAuth(List.of(), List.of());

    private static final String BEARER = "bearer ";

    private final List<byte[]> tokens;
    private final List<byte[]> adminTokens;

    private BearerAuth(List<String> tokens, List<String> adminTokens) {
        this.tokens = tokens.stream().map(BearerAuth::digest).toList();
        this.adminTokens = adminTokens.stream().map(BearerAuth::digest).toList();
    }

    public static BearerAuth of(AuthConfig c) {
        return new BearerAuth(c.tokenList(), c.adminTokenList());
    }

    /** True when some call needs a token. */
    public boolean enabled() {
        return !tokens.isEmpty() || !adminTokens.isEmpty();
    }

    /**
     * @param authorization the {@code Authorization} header's value, or null when there is none
     */
    public Verdict check(Scope scope, String authorization) {
        boolean adminOnly = scope == Scope.ADMIN && !adminTokens.isEmpty();
        boolean needed = switch (scope) {
            case OPEN -> false;
            case API -> !tokens.isEmpty();
            case ADMIN -> enabled();
        };
        if (!needed) {
            return Verdict.ALLOWED;
        }
        String token = bearerToken(authorization);
        if (token == null) {
            return Verdict.MISSING;
        }
        byte[] d = digest(token);
        boolean admin = matchesAny(d, adminTokens);
        boolean normal = matchesAny(d, tokens);
        if (adminOnly) {
            return admin ? Verdict.ALLOWED : normal ? Verdict.NOT_ADMIN : Verdict.WRONG;
        }
        return admin || normal ? Verdict.ALLOWED : Verdict.WRONG;
    }

    /** The token of {@code Bearer <token>} (scheme case-insensitive, RFC 7235), or null. */
    static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String h = authorization.strip();
        if (h.length() <= BEARER.length() || !h.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String t = h.substring(BEARER.length()).strip();
        return t.isEmpty() ? null : t;
    }

    /** Compares with every candidate, without stopping at a match. */
    private static boolean matchesAny(byte[] digest, List<byte[]> candidates) {
        boolean found = false;
        for (byte[] c : candidates) {
            found |= MessageDigest.isEqual(digest, c);
        }
        return found;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
