package io.jdtm.server.config;

import java.util.Arrays;
import java.util.List;

/**
 * The {@code Auth} section (jdtm only): bearer tokens for the HTTP, JSON-RPC and gRPC APIs. Off by default (both
 * lists empty), so the local quick start needs no token. See docs/security.md.
 *
 * @param tokens {@code Auth.Tokens}: comma-separated tokens accepted on every API call; several allow rotation.
 *     Empty: the API is open (unless only admin tokens are set, which then guard the admin operations alone)
 * @param adminTokens {@code Auth.AdminTokens}: comma-separated tokens that alone may call the admin operations
 *     (forceStop, resetCronTime, resetNextCronTime, deleteTopic, all, scanKV, the admin UI); also accepted on every
 *     other call. Empty: admin operations take the same tokens as the rest
 * @param metrics {@code Auth.Metrics}: {@code token} (default; {@code /api/metrics} needs a token when tokens are
 *     set) or {@code open} (scrapers need none)
 */
public record AuthConfig(String tokens, String adminTokens, String metrics) {

    /** The accepted values of {@code Auth.Metrics}. */
    public static final List<String> METRICS_MODES = List.of("token", "open");

    public static AuthConfig defaults() {
        return new AuthConfig("", "", "token");
    }

    /** {@link #tokens} split on commas, blanks dropped. */
    public List<String> tokenList() {
        return split(tokens);
    }

    /** {@link #adminTokens} split on commas, blanks dropped. */
    public List<String> adminTokenList() {
        return split(adminTokens);
    }

    /** True when any token is configured: some calls then need one. */
    public boolean enabled() {
        return !tokenList().isEmpty() || !adminTokenList().isEmpty();
    }

    public boolean metricsOpen() {
        return metrics.equals("open");
    }

    static List<String> split(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Never the tokens themselves: a record's default toString would print them into any log. */
    @Override
    public String toString() {
        return "AuthConfig[tokens=" + tokenList().size() + ", adminTokens=" + adminTokenList().size()
                + ", metrics=" + metrics + "]";
    }
}
