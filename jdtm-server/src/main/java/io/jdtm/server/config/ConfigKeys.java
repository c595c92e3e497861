package io.jdtm.server.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one table of configuration keys: each record field with its DTM YAML path, its type and how to read it back.
 * The loader, the validator, the describer and docs/configuration.md all follow this order.
 */
final class ConfigKeys {

    /** How a value is read from YAML or the environment. */
    enum Kind {
        STRING,
        INT,
        LONG
    }

    /**
     * One key.
     *
     * @param path DTM's YAML path, e.g. {@code Store.MaxOpenConns}
     * @param jdtmOnly true for keys DTM does not have
     */
    record Key(String path, Kind kind, boolean jdtmOnly, Function<ServerConfig, Object> getter) {

        String env() {
            return ConfigLoader.envName(path);
        }

        /** The last path element, e.g. {@code MaxOpenConns}. */
        String name() {
            int dot = path.lastIndexOf('.');
            return dot < 0 ? path : path.substring(dot + 1);
        }

        /** The section ({@code Store}) or empty for a top-level key. */
        String section() {
            int dot = path.lastIndexOf('.');
            return dot < 0 ? "" : path.substring(0, dot);
        }
    }

    static final List<Key> ALL = List.of(
            store("Driver", Kind.STRING, false, StoreConfig::driver),
            store("Host", Kind.STRING, false, StoreConfig::host),
            store("Port", Kind.INT, false, StoreConfig::port),
            store("User", Kind.STRING, false, StoreConfig::user),
            store("Password", Kind.STRING, false, StoreConfig::password),
            store("Db", Kind.STRING, false, StoreConfig::db),
            store("Schema", Kind.STRING, false, StoreConfig::schema),
            store("MaxOpenConns", Kind.INT, false, StoreConfig::maxOpenConns),
            store("MaxIdleConns", Kind.INT, false, StoreConfig::maxIdleConns),
            store("ConnMaxLifeTime", Kind.INT, false, StoreConfig::connMaxLifeTime),
            store("DataExpire", Kind.LONG, false, StoreConfig::dataExpire),
            store("FinishedDataExpire", Kind.LONG, false, StoreConfig::finishedDataExpire),
            store("RedisPrefix", Kind.STRING, false, StoreConfig::redisPrefix),
            store("DataDir", Kind.STRING, true, StoreConfig::dataDir),
            store("Retention", Kind.LONG, true, StoreConfig::retention),
            store("RedisCluster", Kind.STRING, true, StoreConfig::redisCluster),
            store("RedisWaitReplicas", Kind.INT, true, StoreConfig::redisWaitReplicas),
            store("RedisWaitTimeoutMs", Kind.LONG, true, StoreConfig::redisWaitTimeoutMs),
            store("WriteLanes", Kind.INT, true, StoreConfig::writeLanes),
            top("TransCronInterval", Kind.LONG, false, ServerConfig::transCronInterval),
            top("TimeoutToFail", Kind.LONG, false, ServerConfig::timeoutToFail),
            top("RetryInterval", Kind.LONG, false, ServerConfig::retryInterval),
            top("RequestTimeout", Kind.LONG, false, ServerConfig::requestTimeout),
            top("HttpPort", Kind.INT, false, ServerConfig::httpPort),
            top("GrpcPort", Kind.INT, false, ServerConfig::grpcPort),
            top("JsonRpcPort", Kind.INT, false, ServerConfig::jsonRpcPort),
            top("UpdateBranchSync", Kind.INT, false, ServerConfig::updateBranchSync),
            top("UpdateBranchAsyncGoroutineNum", Kind.INT, false, ServerConfig::updateBranchAsyncGoroutineNum),
            top("LogLevel", Kind.STRING, false, ServerConfig::logLevel),
            top("TimeZoneOffset", Kind.STRING, false, ServerConfig::timeZoneOffset),
            top("ConfigUpdateInterval", Kind.LONG, false, ServerConfig::configUpdateInterval),
            top("AlertRetryLimit", Kind.INT, false, ServerConfig::alertRetryLimit),
            top("AlertWebHook", Kind.STRING, false, ServerConfig::alertWebHook),
            top("AdminBasePath", Kind.STRING, false, ServerConfig::adminBasePath),
            top("GrpcServiceConfig", Kind.STRING, false, ServerConfig::grpcServiceConfig),
            top("MaxBodyBytes", Kind.LONG, true, ServerConfig::maxBodyBytes),
            top("CronConcurrency", Kind.INT, true, ServerConfig::cronConcurrency),
            top("CronBatch", Kind.INT, true, ServerConfig::cronBatch),
            top("MaxGidLength", Kind.INT, true, ServerConfig::maxGidLength),
            top("MaxSteps", Kind.INT, true, ServerConfig::maxSteps),
            top("MaxBranches", Kind.INT, true, ServerConfig::maxBranches),
            top("MaxPayloadBytes", Kind.LONG, true, ServerConfig::maxPayloadBytes),
            top("MaxHeaderBytes", Kind.INT, true, ServerConfig::maxHeaderBytes),
            top("ShutdownGrace", Kind.LONG, true, ServerConfig::shutdownGrace),
            top("StoreWaitTimeout", Kind.LONG, true, ServerConfig::storeWaitTimeout),
            // security (docs/security.md); AuthConfig masks its tokens, ConfigLoader masks any key named *Token*
            section("Auth", "Tokens", Kind.STRING, c -> c.auth().tokens()),
            section("Auth", "AdminTokens", Kind.STRING, c -> c.auth().adminTokens()),
            section("Auth", "Metrics", Kind.STRING, c -> c.auth().metrics()),
            section("Tls", "CertFile", Kind.STRING, c -> c.tls().certFile()),
            section("Tls", "KeyFile", Kind.STRING, c -> c.tls().keyFile()),
            section("Tls", "ClientCaFile", Kind.STRING, c -> c.tls().clientCaFile()),
            section("Tls", "ReloadInterval", Kind.LONG, c -> c.tls().reloadInterval()),
            section("BranchTls", "TrustFile", Kind.STRING, c -> c.branchTls().trustFile()),
            section("BranchTls", "Grpc", Kind.STRING, c -> c.branchTls().grpc()),
            // where branch calls may go (docs/security.md, "Branch destinations"); lists are comma-separated
            section("BranchPolicy", "AllowHosts", Kind.STRING, c -> c.branchPolicy().allowHosts()),
            section("BranchPolicy", "DenyHosts", Kind.STRING, c -> c.branchPolicy().denyHosts()),
            section("BranchPolicy", "AllowCidrs", Kind.STRING, c -> c.branchPolicy().allowCidrs()),
            section("BranchPolicy", "DenyCidrs", Kind.STRING, c -> c.branchPolicy().denyCidrs()),
            section("BranchPolicy", "AllowPorts", Kind.STRING, c -> c.branchPolicy().allowPorts()),
            section("BranchPolicy", "AllowSchemes", Kind.STRING, c -> c.branchPolicy().allowSchemes()),
            section("BranchPolicy", "AllowMetadata", Kind.STRING, c -> c.branchPolicy().allowMetadata()),
            // OpenTelemetry traces (README, "Tracing"); the OTEL_ variables tune the rest
            section("Tracing", "Enabled", Kind.STRING, c -> c.tracing().enabled()),
            section("Tracing", "Endpoint", Kind.STRING, c -> c.tracing().endpoint()),
            section("Tracing", "ServiceName", Kind.STRING, c -> c.tracing().serviceName()));

    static final Map<String, Key> BY_PATH =
            ALL.stream().collect(Collectors.toMap(Key::path, k -> k, (a, b) -> a, LinkedHashMap::new));

    static final String STORE = "Store";

    /** The sections whose keys are listed above, in table order (unknown keys inside them are typos and rejected). */
    static final List<String> SECTIONS = ALL.stream().map(Key::section).filter(s -> !s.isEmpty()).distinct().toList();

    /**
     * DTM keys jdtm accepts so that a DTM config file loads, but does not use. Sections may hold anything.
     * {@code GrpcBalancer} is not in DTM's config struct but appears in its sample file, so uncommenting it must not
     * break loading either.
     */
    static final Set<String> IGNORED_SECTIONS = Set.of("MicroService", "HttpMicroService", "Log");

    static final Set<String> IGNORED_SCALARS = Set.of("GrpcBalancer");

    private ConfigKeys() {}

    /** Every valid top-level YAML key (sections and scalars), in table order, for "unknown key" messages. */
    static List<String> topLevelNames() {
        var names = new java.util.LinkedHashSet<String>();
        ALL.forEach(k -> names.add(k.section().isEmpty() ? k.path() : k.section()));
        names.addAll(List.of("MicroService", "HttpMicroService", "Log", "GrpcBalancer"));
        return List.copyOf(names);
    }

    /** Every valid key inside {@code section}. */
    static List<String> sectionNames(String section) {
        return ALL.stream().filter(k -> k.section().equals(section)).map(Key::name).toList();
    }

    /** Values of a config by YAML path, in table order. */
    static Map<String, Object> valuesOf(ServerConfig config) {
        var values = new LinkedHashMap<String, Object>();
        for (Key k : ALL) {
            values.put(k.path(), k.getter().apply(config));
        }
        return values;
    }

    /** Builds the records from a complete map of values (as produced by {@link #valuesOf}). */
    static ServerConfig build(Map<String, Object> v) {
        var store = new StoreConfig(
                str(v, "Store.Driver"),
                str(v, "Store.Host"),
                num(v, "Store.Port"),
                str(v, "Store.User"),
                str(v, "Store.Password"),
                str(v, "Store.Db"),
                str(v, "Store.Schema"),
                num(v, "Store.MaxOpenConns"),
                num(v, "Store.MaxIdleConns"),
                num(v, "Store.ConnMaxLifeTime"),
                lng(v, "Store.DataExpire"),
                lng(v, "Store.FinishedDataExpire"),
                str(v, "Store.RedisPrefix"),
                str(v, "Store.DataDir"),
                lng(v, "Store.Retention"),
                str(v, "Store.RedisCluster"),
                num(v, "Store.RedisWaitReplicas"),
                lng(v, "Store.RedisWaitTimeoutMs"),
                num(v, "Store.WriteLanes"));
        return new ServerConfig(
                store,
                lng(v, "TransCronInterval"),
                lng(v, "TimeoutToFail"),
                lng(v, "RetryInterval"),
                lng(v, "RequestTimeout"),
                num(v, "HttpPort"),
                num(v, "GrpcPort"),
                num(v, "JsonRpcPort"),
                num(v, "UpdateBranchSync"),
                num(v, "UpdateBranchAsyncGoroutineNum"),
                str(v, "LogLevel"),
                str(v, "TimeZoneOffset"),
                lng(v, "ConfigUpdateInterval"),
                num(v, "AlertRetryLimit"),
                str(v, "AlertWebHook"),
                str(v, "AdminBasePath"),
                str(v, "GrpcServiceConfig"),
                lng(v, "MaxBodyBytes"),
                num(v, "CronConcurrency"),
                num(v, "CronBatch"),
                num(v, "MaxGidLength"),
                num(v, "MaxSteps"),
                num(v, "MaxBranches"),
                lng(v, "MaxPayloadBytes"),
                num(v, "MaxHeaderBytes"),
                lng(v, "ShutdownGrace"),
                lng(v, "StoreWaitTimeout"),
                new AuthConfig(str(v, "Auth.Tokens"), str(v, "Auth.AdminTokens"), str(v, "Auth.Metrics")),
                new ServerTlsConfig(str(v, "Tls.CertFile"), str(v, "Tls.KeyFile"), str(v, "Tls.ClientCaFile"),
                        lng(v, "Tls.ReloadInterval")),
                new BranchTlsConfig(str(v, "BranchTls.TrustFile"), str(v, "BranchTls.Grpc")),
                new BranchPolicyConfig(str(v, "BranchPolicy.AllowHosts"), str(v, "BranchPolicy.DenyHosts"),
                        str(v, "BranchPolicy.AllowCidrs"), str(v, "BranchPolicy.DenyCidrs"),
                        str(v, "BranchPolicy.AllowPorts"), str(v, "BranchPolicy.AllowSchemes"),
                        str(v, "BranchPolicy.AllowMetadata")),
                new TracingConfig(str(v, "Tracing.Enabled"), str(v, "Tracing.Endpoint"),
                        str(v, "Tracing.ServiceName")));
    }

    private static Key store(String name, Kind kind, boolean jdtmOnly, Function<StoreConfig, Object> getter) {
        return new Key(STORE + "." + name, kind, jdtmOnly, c -> getter.apply(c.store()));
    }

    private static Key section(String section, String name, Kind kind, Function<ServerConfig, Object> getter) {
        return new Key(section + "." + name, kind, true, getter);
    }

    private static Key top(String name, Kind kind, boolean jdtmOnly, Function<ServerConfig, Object> getter) {
        return new Key(name, kind, jdtmOnly, getter);
    }

    private static String str(Map<String, Object> v, String path) {
        return (String) v.get(path);
    }

    private static int num(Map<String, Object> v, String path) {
        return ((Number) v.get(path)).intValue();
    }

    private static long lng(Map<String, Object> v, String path) {
        return ((Number) v.get(path)).longValue();
    }
}
