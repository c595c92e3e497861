package io.jdtm.server.config;

/**
 * The whole server configuration: DTM's keys (spec §11.2) plus a few jdtm keys, immutable and validated once at
 * start. Durations are seconds unless noted.
 *
 * @param transCronInterval {@code TransCronInterval}: poller idle sleep
 * @param timeoutToFail {@code TimeoutToFail}: default timeout of msg/tcc/xa
 * @param retryInterval {@code RetryInterval}: base retry interval and the poller's lease
 * @param requestTimeout {@code RequestTimeout}: TM to RM call timeout
 * @param updateBranchSync {@code UpdateBranchSync}: 1 (default) writes each branch status as its call ends; 0
 *     defers it to the pass's next status change or its end (spec §6.13, docs/configuration.md)
 * @param timeZoneOffset {@code TimeZoneOffset}: hours; empty string = the process zone
 * @param configUpdateInterval {@code ConfigUpdateInterval}: topic cache refresh
 * @param alertRetryLimit {@code AlertRetryLimit}
 * @param alertWebHook {@code AlertWebHook}; empty = no alerts
 * @param adminBasePath {@code AdminBasePath}
 * @param maxBodyBytes jdtm {@code MaxBodyBytes}: largest accepted request body (HTTP) or message (gRPC)
 * @param cronConcurrency jdtm {@code CronConcurrency}: most transactions one poller drives at once
 * @param cronBatch jdtm {@code CronBatch}: most transactions one claim takes
 * @param maxGidLength jdtm {@code MaxGidLength}: longest accepted gid (DTM's SQL column is 128)
 * @param maxSteps jdtm {@code MaxSteps}: most steps one saga or msg may have
 * @param maxBranches jdtm {@code MaxBranches}: most branch rows one transaction may hold
 * @param maxPayloadBytes jdtm {@code MaxPayloadBytes}: largest payload of one branch
 * @param maxHeaderBytes jdtm {@code MaxHeaderBytes}: most bytes of branch headers (names and values) of one
 *     transaction
 * @param shutdownGrace jdtm {@code ShutdownGrace}: on SIGTERM/SIGINT, how long requests and passes in flight may take
 *     to finish before the passes still running are handed back
 * @param storeWaitTimeout jdtm {@code StoreWaitTimeout}: how long a start waits for an unreachable store; 0 = forever
 * @param auth jdtm {@code Auth}: bearer tokens for the APIs
 * @param tls jdtm {@code Tls}: TLS on the HTTP and gRPC listeners
 * @param branchTls jdtm {@code BranchTls}: trust for TLS calls to branches
 * @param branchPolicy jdtm {@code BranchPolicy}: where branch calls may go
 * @param tracing jdtm {@code Tracing}: OpenTelemetry traces, off by default
 */
public record ServerConfig(
        StoreConfig store,
        long transCronInterval,
        long timeoutToFail,
        long retryInterval,
        long requestTimeout,
        int httpPort,
        int grpcPort,
        int jsonRpcPort,
        int updateBranchSync,
        int updateBranchAsyncGoroutineNum,
        String logLevel,
        String timeZoneOffset,
        long configUpdateInterval,
        int alertRetryLimit,
        String alertWebHook,
        String adminBasePath,
        String grpcServiceConfig,
        long maxBodyBytes,
        int cronConcurrency,
        int cronBatch,
        int maxGidLength,
        int maxSteps,
        int maxBranches,
        long maxPayloadBytes,
        int maxHeaderBytes,
        long shutdownGrace,
        long storeWaitTimeout,
        AuthConfig auth,
        ServerTlsConfig tls,
        BranchTlsConfig branchTls,
        BranchPolicyConfig branchPolicy,
        TracingConfig tracing) {

    public static ServerConfig defaults() {
        return new ServerConfig(StoreConfig.defaults(), 3, 35, 10, 3, 36789, 36790, 36791, 1, 1, "info", "", 3, 3,
                "", "", "{\"loadBalancingConfig\":[{\"round_robin\":{}}]}", 4L * 1024 * 1024, 256, 64, 128,
                1000, 4000, 1024L * 1024, 16 * 1024, 5, 0, AuthConfig.defaults(), ServerTlsConfig.defaults(),
                BranchTlsConfig.defaults(), BranchPolicyConfig.defaults(), TracingConfig.defaults());
    }

    /**
     * This configuration with one key changed, by its YAML path ({@code "MaxBodyBytes"}, {@code "Store.Driver"}):
     * for tests and embedding code, so they need not spell every field. Not validated; see {@link ConfigLoader}.
     *
     * @throws IllegalArgumentException for an unknown key or a value of the wrong kind
     */
    public ServerConfig with(String yamlPath, Object value) {
        ConfigKeys.Key key = ConfigKeys.BY_PATH.get(yamlPath);
        if (key == null) {
            throw new IllegalArgumentException("unknown configuration key '" + yamlPath + "'");
        }
        boolean ok = key.kind() == ConfigKeys.Kind.STRING ? value instanceof String : value instanceof Number;
        if (!ok) {
            throw new IllegalArgumentException(yamlPath + " takes " + key.kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " values, not " + value);
        }
        var values = ConfigKeys.valuesOf(this);
        values.put(yamlPath, value);
        return ConfigKeys.build(values);
    }

    public ServerConfig withStore(StoreConfig s) {
        return withSections(s, auth, tls, branchTls, branchPolicy, tracing);
    }

    public ServerConfig withAuth(AuthConfig a) {
        return withSections(store, a, tls, branchTls, branchPolicy, tracing);
    }

    public ServerConfig withTls(ServerTlsConfig t) {
        return withSections(store, auth, t, branchTls, branchPolicy, tracing);
    }

    public ServerConfig withBranchTls(BranchTlsConfig b) {
        return withSections(store, auth, tls, b, branchPolicy, tracing);
    }

    public ServerConfig withBranchPolicy(BranchPolicyConfig p) {
        return withSections(store, auth, tls, branchTls, p, tracing);
    }

    public ServerConfig withTracing(TracingConfig t) {
        return withSections(store, auth, tls, branchTls, branchPolicy, t);
    }

    public ServerConfig withHttpPort(int port) {
        return with("HttpPort", port);
    }

    public ServerConfig withGrpcPort(int port) {
        return with("GrpcPort", port);
    }

    public ServerConfig withAlertWebHook(String url) {
        return with("AlertWebHook", url);
    }

    /** The one copy with other sections; single keys change through {@link #with}. */
    private ServerConfig withSections(StoreConfig s, AuthConfig a, ServerTlsConfig t, BranchTlsConfig b,
            BranchPolicyConfig p, TracingConfig tr) {
        return new ServerConfig(s, transCronInterval, timeoutToFail, retryInterval, requestTimeout, httpPort,
                grpcPort, jsonRpcPort, updateBranchSync, updateBranchAsyncGoroutineNum, logLevel, timeZoneOffset,
                configUpdateInterval, alertRetryLimit, alertWebHook, adminBasePath, grpcServiceConfig, maxBodyBytes,
                cronConcurrency, cronBatch, maxGidLength, maxSteps, maxBranches, maxPayloadBytes, maxHeaderBytes,
                shutdownGrace, storeWaitTimeout, a, t, b, p, tr);
    }
}
