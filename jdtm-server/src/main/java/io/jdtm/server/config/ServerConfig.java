package io.jdtm.server.config;

/**
 * The whole server configuration: DTM's keys (spec §11.2) plus a few jdtm keys, immutable and validated once at
 * start. Durations are seconds unless noted.
 *
 * @param transCronInterval {@code TransCronInterval}: poller idle sleep
 * @param timeoutToFail {@code TimeoutToFail}: default timeout of msg/tcc/xa
 * @param retryInterval {@code RetryInterval}: base retry interval and the poller's lease
 * @param requestTimeout {@code RequestTimeout}: TM to RM call timeout
 * @param updateBranchSync {@code UpdateBranchSync}: jdtm always writes branch status synchronously; kept for
 *     compatibility
 * @param timeZoneOffset {@code TimeZoneOffset}: hours; empty string = the process zone
 * @param configUpdateInterval {@code ConfigUpdateInterval}: topic cache refresh
 * @param alertRetryLimit {@code AlertRetryLimit}
 * @param alertWebHook {@code AlertWebHook}; empty = no alerts
 * @param adminBasePath {@code AdminBasePath}
 * @param maxBodyBytes jdtm {@code MaxBodyBytes}: largest accepted request body (HTTP) or message (gRPC)
 * @param cronConcurrency jdtm {@code CronConcurrency}: most transactions one poller drives at once
 * @param cronBatch jdtm {@code CronBatch}: most transactions one claim takes
 * @param maxGidLength jdtm {@code MaxGidLength}: longest accepted gid (DTM's SQL column is 128)
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
        int maxGidLength) {

    public static ServerConfig defaults() {
        return new ServerConfig(StoreConfig.defaults(), 3, 35, 10, 3, 36789, 36790, 36791, 1, 1, "info", "", 3, 3,
                "", "", "{\"loadBalancingConfig\":[{\"round_robin\":{}}]}", 4L * 1024 * 1024, 256, 64, 128);
    }

    public ServerConfig withStore(StoreConfig s) {
        return new ServerConfig(s, transCronInterval, timeoutToFail, retryInterval, requestTimeout, httpPort,
                grpcPort, jsonRpcPort, updateBranchSync, updateBranchAsyncGoroutineNum, logLevel, timeZoneOffset,
                configUpdateInterval, alertRetryLimit, alertWebHook, adminBasePath, grpcServiceConfig, maxBodyBytes,
                cronConcurrency, cronBatch, maxGidLength);
    }

    public ServerConfig withHttpPort(int port) {
        return new ServerConfig(store, transCronInterval, timeoutToFail, retryInterval, requestTimeout, port,
                grpcPort, jsonRpcPort, updateBranchSync, updateBranchAsyncGoroutineNum, logLevel, timeZoneOffset,
                configUpdateInterval, alertRetryLimit, alertWebHook, adminBasePath, grpcServiceConfig, maxBodyBytes,
                cronConcurrency, cronBatch, maxGidLength);
    }

    public ServerConfig withGrpcPort(int port) {
        return new ServerConfig(store, transCronInterval, timeoutToFail, retryInterval, requestTimeout, httpPort,
                port, jsonRpcPort, updateBranchSync, updateBranchAsyncGoroutineNum, logLevel, timeZoneOffset,
                configUpdateInterval, alertRetryLimit, alertWebHook, adminBasePath, grpcServiceConfig, maxBodyBytes,
                cronConcurrency, cronBatch, maxGidLength);
    }

    public ServerConfig withAlertWebHook(String url) {
        return new ServerConfig(store, transCronInterval, timeoutToFail, retryInterval, requestTimeout, httpPort,
                grpcPort, jsonRpcPort, updateBranchSync, updateBranchAsyncGoroutineNum, logLevel, timeZoneOffset,
                configUpdateInterval, alertRetryLimit, url, adminBasePath, grpcServiceConfig, maxBodyBytes,
                cronConcurrency, cronBatch, maxGidLength);
    }
}
