package io.jdtm.server.security;

import static io.jdtm.server.security.BearerAuth.Verdict.ALLOWED;
import static io.jdtm.server.security.BearerAuth.Verdict.MISSING;
import static io.jdtm.server.security.BearerAuth.Verdict.NOT_ADMIN;
import static io.jdtm.server.security.BearerAuth.Verdict.WRONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdtm.server.config.AuthConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BearerAuthTest {
    private static final String T1 = "token-one-0123456789";
    private static final String T2 = "token-two-0123456789";
    private static final String ADMIN = "admin-token-0123456789";

    private static BearerAuth auth(String tokens, String admin) {
        return BearerAuth.of(new AuthConfig(tokens, admin, "token"));
    }

    @Test
    void withoutTokensEveryCallIsAllowed() {
        BearerAuth off = auth("", "");

        assertThat(off.enabled()).isFalse();
        for (Scope s : Scope.values()) {
            assertThat(off.check(s, null)).isEqualTo(ALLOWED);
            assertThat(off.check(s, "Bearer whatever")).isEqualTo(ALLOWED);
        }
    }

    @Test
    void apiCallsTakeAnyConfiguredTokenForRotation() {
        BearerAuth a = auth(T1 + ", " + T2, "");

        assertThat(a.check(Scope.API, null)).isEqualTo(MISSING);
        assertThat(a.check(Scope.API, "Bearer nope")).isEqualTo(WRONG);
        assertThat(a.check(Scope.API, "Bearer " + T1)).isEqualTo(ALLOWED);
        assertThat(a.check(Scope.API, "Bearer " + T2)).isEqualTo(ALLOWED);
        assertThat(a.check(Scope.API, "Bearer " + T1 + "x")).isEqualTo(WRONG);
        assertThat(a.check(Scope.API, "Bearer " + T1.substring(1))).isEqualTo(WRONG);
        assertThat(a.check(Scope.OPEN, null)).isEqualTo(ALLOWED);
    }

    @Test
    void withoutAdminTokensAdminOperationsTakeTheNormalTokens() {
        BearerAuth a = auth(T1, "");

        assertThat(a.check(Scope.ADMIN, "Bearer " + T1)).isEqualTo(ALLOWED);
        assertThat(a.check(Scope.ADMIN, null)).isEqualTo(MISSING);
    }

    @Test
    void adminTokensAloneOpenAdminOperationsAndWorkEverywhere() {
        BearerAuth a = auth(T1, ADMIN);

        assertThat(a.check(Scope.ADMIN, "Bearer " + ADMIN)).isEqualTo(ALLOWED);
        assertThat(a.check(Scope.ADMIN, "Bearer " + T1)).isEqualTo(NOT_ADMIN);
        assertThat(a.check(Scope.ADMIN, "Bearer nope")).isEqualTo(WRONG);
        assertThat(a.check(Scope.API, "Bearer " + ADMIN)).isEqualTo(ALLOWED);
    }

    @Test
    void onlyAdminTokensGuardOnlyTheAdminOperations() {
        BearerAuth a = auth("", ADMIN);

        assertThat(a.check(Scope.API, null)).isEqualTo(ALLOWED);
        assertThat(a.check(Scope.ADMIN, null)).isEqualTo(MISSING);
        assertThat(a.check(Scope.ADMIN, "Bearer " + ADMIN)).isEqualTo(ALLOWED);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "Bearer abc|abc", "bearer abc|abc", "BEARER   abc  |abc", "Basic abc|NULL", "Bearer|NULL", "Bearer  |NULL",
        "abc|NULL", "NULL|NULL"})
    void theTokenIsWhatFollowsTheBearerScheme(String header, String token) {
        assertThat(BearerAuth.bearerToken(header)).isEqualTo(token);
    }

    @ParameterizedTest
    @CsvSource({
        "/api/ping, OPEN", "/api/metrics, API", "/api/json-rpc, API", "/api/dtmsvr/submit, API",
        "/api/dtmsvr/registerTccBranch, API", "/api/dtmsvr/query, API", "/api/dtmsvr/subscribe, API",
        "/api/dtmsvr/forceStop, ADMIN", "/api/dtmsvr/resetCronTime, ADMIN", "/api/dtmsvr/resetNextCronTime, ADMIN",
        "/api/dtmsvr/all, ADMIN", "/api/dtmsvr/scanKV, ADMIN", "/api/dtmsvr/topic/orders, ADMIN",
        "/api/dtmsvr/submit/, ADMIN", "/api/dtmsvr/Submit, ADMIN", "/api/ping/, ADMIN", "/, OPEN",
        "/admin/index.html, OPEN", "/assets/app.js, OPEN", "/api, ADMIN", "//api/dtmsvr/all, ADMIN",
        "/admin/../api/dtmsvr/all, ADMIN", "/API/dtmsvr/all, ADMIN", "/x/%2e%2e/api, ADMIN", "/api/dtmsvr/, ADMIN",
        "/api/dtmsvr/attempts, ADMIN", "/api/dtmsvr/counts, ADMIN"})
    void httpPathsAreAdminUnlessListed(String path, Scope scope) {
        assertThat(HttpAuthFilter.scopeOf(path, false)).isEqualTo(scope);
    }

    @Test
    void metricsCanBeOpen() {
        assertThat(HttpAuthFilter.scopeOf("/api/metrics", true)).isEqualTo(Scope.OPEN);
    }

    @ParameterizedTest
    @CsvSource({
        "grpc.health.v1.Health/Check, OPEN", "grpc.health.v1.Health/Watch, OPEN", "dtmgimp.Dtm/Submit, API",
        "dtmgimp.Dtm/NewGid, API", "dtmgimp.Dtm/DeleteTopic, ADMIN",
        "grpc.reflection.v1.ServerReflection/ServerReflectionInfo, API", "other.Service/Call, ADMIN"})
    void grpcMethodsHaveScopes(String method, Scope scope) {
        assertThat(GrpcAuthInterceptor.scopeOf(method)).isEqualTo(scope);
    }
}
