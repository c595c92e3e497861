package io.jdtm.server.config;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jdtm.server.config.ConfigKeys.Key;
import io.jdtm.server.config.ConfigKeys.Kind;
import io.jdtm.server.config.YamlTree.Mapping;
import io.jdtm.server.config.YamlTree.Node;
import io.jdtm.server.config.YamlTree.Scalar;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link ServerConfig} the way DTM does (spec §11.1): every key starts at its default, is overridden by
 * its environment variable, and then by the YAML file given with {@code -c}; the result is validated once and is
 * immutable from then on.
 *
 * <p>YAML keys are DTM's exact, case-sensitive names, so an unmodified DTM {@code conf.yml} loads. DTM sections jdtm
 * does not use ({@code MicroService}, {@code HttpMicroService}, {@code Log}) are accepted and ignored, with a
 * warning when they hold anything. Any other unknown top-level key, or unknown key inside a section ({@code Store},
 * or jdtm's {@code Auth}, {@code Tls}, {@code BranchTls}, {@code BranchPolicy}, {@code Tracing}), is an error: DTM silently ignores typos, which turns {@code RetryIntreval: 60} into a default nobody notices.
 *
 * <p>All problems found (unknown keys, wrong types, failed rules) are reported together in one
 * {@link ConfigException}, each naming the YAML key, the offending value and where it came from.
 *
 * <p>Stateless and thread-safe; every method is a pure function of its arguments (plus the file's content).
 */
public final class ConfigLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    /** The store drivers jdtm has. DTM's {@code sqlserver} is not among them. */
    public static final List<String> DRIVERS = List.of("boltdb", "sqlite", "mysql", "postgres", "redis");

    /** The accepted {@code LogLevel} values (DTM's; case-insensitive, stored lower case). */
    public static final List<String> LOG_LEVELS = List.of("debug", "info", "warn", "error");

    /** DTM's minimum for {@code RetryInterval}, in seconds. */
    public static final long MIN_RETRY_INTERVAL = 10;

    /** DTM's SQL column {@code gid varchar(128)} bounds {@code MaxGidLength} for the SQL engines. */
    public static final int SQL_GID_COLUMN = 128;

    /** Most group-commit lanes {@code Store.WriteLanes} may ask for: each holds a connection while it commits. */
    static final int MAX_WRITE_LANES = 16;

    static final String MASK = "******";

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern LAST_CAP = Pattern.compile("([A-Z])([A-Z][a-z])");
    private static final Pattern FIRST_CAP = Pattern.compile("([a-z])([A-Z]+)");
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|secret|token).*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigLoader() {}

    /**
     * Loads defaults, then {@code env}, then {@code file} if not null, and validates.
     *
     * @param file the {@code -c} file, or null for none
     * @param env the process environment (pass {@code System.getenv()}; tests pass a map)
     * @throws ConfigException listing every problem found
     */
    public static ServerConfig load(Path file, Map<String, String> env) {
        var state = new State(ConfigKeys.valuesOf(ServerConfig.defaults()));
        applyEnv(state, env);
        if (file != null) {
            applyFile(state, file);
        }
        ServerConfig config = normalize(ConfigKeys.build(state.values));
        validate(config, state);
        if (!state.problems.isEmpty()) {
            throw new ConfigException(state.problems);
        }
        return config;
    }

    /** Defaults overridden by {@code env} only, validated. */
    public static ServerConfig fromEnvironment(Map<String, String> env) {
        return load(null, env);
    }

    /**
     * Checks a config built in code (tests, embedding) against the same rules as a loaded one.
     *
     * @throws ConfigException listing every rule broken
     */
    public static void validate(ServerConfig config) {
        var state = new State(ConfigKeys.valuesOf(config));
        validate(config, state);
        if (!state.problems.isEmpty()) {
            throw new ConfigException(state.problems);
        }
    }

    /**
     * DTM's environment variable name for a YAML path: join with {@code _}, put {@code _} between camel-case words,
     * upper-case. {@code Store.MaxOpenConns} → {@code STORE_MAX_OPEN_CONNS}, {@code MicroService.EndPoint} →
     * {@code MICRO_SERVICE_END_POINT}, {@code Log.RotationConfigJSON} → {@code LOG_ROTATION_CONFIG_JSON}.
     */
    public static String envName(String yamlPath) {
        String s = yamlPath.replace('.', '_');
        // Two passes, as DTM does: first split an acronym from the next word ("JSONRpc" → "JSON_Rpc"), then put a
        // break between a lower-case letter and the capitals that follow it ("maxOpen" → "max_Open").
        s = LAST_CAP.matcher(s).replaceAll("$1_$2");
        s = FIRST_CAP.matcher(s).replaceAll("$1_$2");
        return s.toUpperCase(Locale.ROOT);
    }

    /**
     * The effective config as YAML in DTM's key names, one key per line, for the start-up log. Secrets are masked:
     * any key whose name contains Password, Secret or Token shows {@code ******} when set, and {@code AlertWebHook}
     * shows only its scheme and host (webhook URLs carry their access token in the path or query). The output is
     * valid YAML, so it can be pasted into a config file after filling the masked values back in.
     */
    public static String describe(ServerConfig config) {
        var sb = new StringBuilder();
        String section = "";
        for (Key k : ConfigKeys.ALL) {
            if (!k.section().equals(section)) {
                section = k.section();
                if (!section.isEmpty()) {
                    sb.append(section).append(":\n");
                }
            }
            if (!k.section().isEmpty()) {
                sb.append("  ");
            }
            sb.append(k.name()).append(": ").append(yamlValue(k, masked(k, k.getter().apply(config))));
            if (k.jdtmOnly()) {
                sb.append(" # jdtm");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The values being built, where each came from, and the problems found so far. */
    private static final class State {
        final Map<String, Object> values;
        final Map<String, String> origin = new HashMap<>();
        final Set<String> unparsable = new HashSet<>();
        final List<String> problems = new ArrayList<>();

        State(Map<String, Object> values) {
            this.values = values;
        }

        /** " from env X" / " from conf.yml:3" / "" for a default, to append to a message. */
        String where(String path) {
            String o = origin.get(path);
            return o == null ? "" : " from " + o;
        }
    }

    private static void applyEnv(State state, Map<String, String> env) {
        for (Key k : ConfigKeys.ALL) {
            String raw = env.get(k.env());
            // DTM treats an empty variable as unset, so `STORE_HOST=` in a compose file keeps the default.
            if (raw == null || raw.isEmpty()) {
                continue;
            }
            set(state, k, raw, JsonToken.VALUE_STRING, "env " + k.env());
        }
    }

    private static void applyFile(State state, Path file) {
        String source = file.toString();
        if (!Files.exists(file)) {
            throw new ConfigException("config file " + source + " does not exist (given with -c; current directory "
                    + Path.of("").toAbsolutePath() + ")");
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + source + " is not a regular file");
        }
        Mapping root;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = YamlTree.parse(in, source);
        } catch (IOException e) {
            throw new ConfigException("config file " + source + " cannot be read: " + e);
        }
        for (var e : root.entries().entrySet()) {
            String key = e.getKey();
            Node node = e.getValue();
            String at = source + ":" + node.line();
            if (ConfigKeys.SECTIONS.contains(key)) {
                applySection(state, key, node, source);
            } else if (ConfigKeys.BY_PATH.containsKey(key)) {
                apply(state, ConfigKeys.BY_PATH.get(key), node, at);
            } else if (ConfigKeys.IGNORED_SECTIONS.contains(key)) {
                if (node instanceof Mapping m && !m.entries().isEmpty()) {
                    LOG.warn("{}: section {} is accepted for DTM compatibility but not used by jdtm ({})", at, key,
                            key.equals("Log") ? "jdtm logs to stderr; set LogLevel or -d" : "no service registry");
                }
            } else if (!ConfigKeys.IGNORED_SCALARS.contains(key)) {
                state.problems.add("unknown key '" + key + "' at " + at + didYouMean(key, "")
                        + "; valid top-level keys: " + String.join(", ", ConfigKeys.topLevelNames()));
            }
        }
    }

    private static void applySection(State state, String section, Node node, String source) {
        if (node instanceof Scalar s && s.isNull()) {
            return; // "Store:" with every line below commented out, as in DTM's sample: keep what we have
        }
        List<String> names = ConfigKeys.sectionNames(section);
        if (!(node instanceof Mapping m)) {
            state.problems.add(section + " at " + source + ":" + node.line() + " must be a mapping ("
                    + String.join(", ", names.subList(0, Math.min(3, names.size())))
                    + (names.size() > 3 ? ", ..." : "") + "), not a single value or a list");
            return;
        }
        for (var e : m.entries().entrySet()) {
            String at = source + ":" + e.getValue().line();
            Key k = ConfigKeys.BY_PATH.get(section + "." + e.getKey());
            if (k == null) {
                state.problems.add("unknown key '" + section + "." + e.getKey() + "' at " + at
                        + didYouMean(e.getKey(), section) + "; valid keys in " + section + ": "
                        + String.join(", ", names));
            } else {
                apply(state, k, e.getValue(), at);
            }
        }
    }

    private static void apply(State state, Key k, Node node, String at) {
        if (!(node instanceof Scalar s)) {
            state.problems.add(k.path() + " at " + at + " must be a single value, not a "
                    + (node instanceof Mapping ? "mapping" : "list"));
            state.unparsable.add(k.path());
            return;
        }
        if (s.isNull()) {
            return; // as yaml.v3: "Key:" with no value leaves the field as it was
        }
        set(state, k, s.text(), s.token(), at);
    }

    private static void set(State state, Key k, String text, JsonToken token, String origin) {
        Object value = k.kind() == Kind.STRING ? text : parseNumber(k, text, token);
        if (value == null) {
            state.problems.add(k.path() + ": '" + text + "' from " + origin + " is not a whole number");
            state.unparsable.add(k.path());
            return;
        }
        if (value instanceof Long l && k.kind() == Kind.INT && (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE)) {
            state.problems.add(k.path() + ": " + text + " from " + origin + " is out of range");
            state.unparsable.add(k.path());
            return;
        }
        state.values.put(k.path(), value);
        state.origin.put(k.path(), origin);
        state.unparsable.remove(k.path());
    }

    /** A whole number written as a YAML int or as a string of digits (DTM's sample quotes a port: '5432'). */
    private static Long parseNumber(Key k, String text, JsonToken token) {
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_STRING) {
            return null; // 3.5, true, ...
        }
        String t = text.strip();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            t = t.replace("_", ""); // YAML allows 1_000_000
        }
        if (!INTEGER.matcher(t).matches()) {
            return null;
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return k.kind() == Kind.INT ? Long.MAX_VALUE : null; // too long: reported as out of range / not a number
        }
    }

    /**
     * A hint for a misspelt key: same letters in another case, a section's key at the top level, or a near miss.
     *
     * @param section the section the key was found in, or "" for the top level
     */
    private static String didYouMean(String key, String section) {
        List<String> here = section.isEmpty() ? ConfigKeys.topLevelNames() : ConfigKeys.sectionNames(section);
        for (String name : here) {
            if (name.equalsIgnoreCase(key)) {
                return " (keys are case-sensitive: did you mean '" + name + "'?)";
            }
        }
        if (section.isEmpty()) {
            for (String s : ConfigKeys.SECTIONS) {
                for (String name : ConfigKeys.sectionNames(s)) {
                    if (name.equalsIgnoreCase(key)) {
                        return " (did you mean '" + s + "." + name + "'? it belongs under " + s + ":)";
                    }
                }
            }
        }
        for (String name : here) {
            int tolerance = name.length() > 4 ? 2 : 1; // "Db" is not a typo of every two-letter word
            if (editDistance(name.toLowerCase(Locale.ROOT), key.toLowerCase(Locale.ROOT)) <= tolerance) {
                return " (did you mean '" + name + "'?)";
            }
        }
        return "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Values DTM rewrites after loading, and spellings jdtm accepts for convenience. */
    private static ServerConfig normalize(ServerConfig c) {
        var v = ConfigKeys.valuesOf(c);
        v.put("LogLevel", c.logLevel().strip().toLowerCase(Locale.ROOT));
        v.put("TimeZoneOffset", c.timeZoneOffset().strip());
        v.put("Auth.Metrics", c.auth().metrics().strip().toLowerCase(Locale.ROOT));
        v.put("BranchTls.Grpc", c.branchTls().grpc().strip().toLowerCase(Locale.ROOT));
        v.put("BranchPolicy.AllowMetadata", c.branchPolicy().allowMetadata().strip().toLowerCase(Locale.ROOT));
        v.put("Store.RedisCluster", c.store().redisCluster().strip().toLowerCase(Locale.ROOT));
        v.put("Tracing.Enabled", c.tracing().enabled().strip().toLowerCase(Locale.ROOT));
        v.put("Tracing.Endpoint", c.tracing().endpoint().strip());
        v.put("Tracing.ServiceName", c.tracing().serviceName().strip());
        if (c.grpcServiceConfig().isBlank()) {
            // DTM puts its default back when the key is set to '' (MustLoadConfig).
            v.put("GrpcServiceConfig", ServerConfig.defaults().grpcServiceConfig());
        }
        return ConfigKeys.build(v);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void validate(ServerConfig c, State s) {
        StoreConfig st = c.store();
        var rules = new Rules(s);

        // DTM's own checks (checkConfig), in its order.
        rules.check("RetryInterval", c.retryInterval() >= MIN_RETRY_INTERVAL, "must be at least " + MIN_RETRY_INTERVAL);
        if (!s.unparsable.contains("RetryInterval")) {
            rules.check("TimeoutToFail", c.timeoutToFail() >= c.retryInterval(),
                    "must not be less than RetryInterval (" + c.retryInterval() + ")");
        }
        String driver = st.driver();
        if (!DRIVERS.contains(driver)) {
            rules.fail("Store.Driver", "must be one of " + String.join(", ", DRIVERS)
                    + (driver.equals("sqlserver") ? " (DTM's sqlserver store is not supported by jdtm)" : ""));
        }
        boolean sql = driver.equals("mysql") || driver.equals("postgres");
        if (sql || driver.equals("redis")) {
            String why = "must be set for Store.Driver " + driver;
            rules.check("Store.Host", !st.host().isBlank(), why);
            rules.check("Store.Port", st.port() != 0, why);
        }
        if (sql) {
            String why = "must be set for Store.Driver " + driver;
            rules.check("Store.User", !st.user().isBlank(), why);
            rules.check("Store.Schema", !st.schema().isBlank(), why);
        }

        // jdtm's checks: values that DTM would accept and then misbehave on.
        rules.port("Store.Port", st.port());
        rules.port("HttpPort", c.httpPort());
        rules.port("GrpcPort", c.grpcPort());
        rules.port("JsonRpcPort", c.jsonRpcPort());
        rules.atLeast("Store.MaxOpenConns", st.maxOpenConns(), 1);
        rules.atLeast("Store.MaxIdleConns", st.maxIdleConns(), 0);
        rules.atLeast("Store.ConnMaxLifeTime", st.connMaxLifeTime(), 0);
        rules.atLeast("Store.DataExpire", st.dataExpire(), 0);
        rules.atLeast("Store.FinishedDataExpire", st.finishedDataExpire(), 0);
        rules.atLeast("Store.Retention", st.retention(), 0);
        rules.check("Store.RedisCluster", StoreConfig.REDIS_CLUSTER_VALUES.contains(st.redisCluster()),
                "must be one of " + String.join(", ", StoreConfig.REDIS_CLUSTER_VALUES));
        rules.atLeast("Store.RedisWaitReplicas", st.redisWaitReplicas(), 0);
        rules.atLeast("Store.RedisWaitTimeoutMs", st.redisWaitTimeoutMs(), 1);
        rules.atLeast("Store.WriteLanes", st.writeLanes(), 0);
        rules.check("Store.WriteLanes", st.writeLanes() <= MAX_WRITE_LANES, "must be at most " + MAX_WRITE_LANES);
        rules.check("Store.WriteLanes", st.writeLanes() <= 1 || driver.equals("postgres") || driver.equals("mysql"),
                "applies to Store.Driver postgres and mysql only (the embedded store has one writer; Redis has no"
                        + " group commit)");
        if (st.isEmbedded()) {
            rules.check("Store.DataDir", !st.dataDir().isBlank(), "must be set for the embedded store");
        }
        rules.atLeast("TransCronInterval", c.transCronInterval(), 1);
        rules.atLeast("RequestTimeout", c.requestTimeout(), 1);
        rules.atLeast("ConfigUpdateInterval", c.configUpdateInterval(), 1);
        rules.atLeast("AlertRetryLimit", c.alertRetryLimit(), 0);
        rules.atLeast("MaxBodyBytes", c.maxBodyBytes(), 1);
        rules.atLeast("CronConcurrency", c.cronConcurrency(), 1);
        rules.atLeast("CronBatch", c.cronBatch(), 1);
        rules.atLeast("MaxGidLength", c.maxGidLength(), 1);
        rules.atLeast("MaxSteps", c.maxSteps(), 1);
        rules.atLeast("MaxBranches", c.maxBranches(), 2);
        rules.atLeast("MaxPayloadBytes", c.maxPayloadBytes(), 0);
        rules.atLeast("MaxHeaderBytes", c.maxHeaderBytes(), 0);
        if (sql) {
            rules.check("MaxGidLength", c.maxGidLength() <= SQL_GID_COLUMN,
                    "must be at most " + SQL_GID_COLUMN + " with Store.Driver " + driver + " (the gid column size)");
        }
        rules.atLeast("ShutdownGrace", c.shutdownGrace(), 0);
        rules.atLeast("StoreWaitTimeout", c.storeWaitTimeout(), 0);
        rules.check("LogLevel", LOG_LEVELS.contains(c.logLevel()), "must be one of " + String.join(", ", LOG_LEVELS));
        rules.check("TimeZoneOffset", validZoneOffset(c.timeZoneOffset()),
                "must be empty or whole hours between -18 and 18, e.g. 8 or -5");
        rules.check("AlertWebHook", c.alertWebHook().isEmpty() || isHttpUrl(c.alertWebHook()),
                "must be empty or an http(s) URL");
        rules.check("GrpcServiceConfig", isJsonObject(c.grpcServiceConfig()), "must be a JSON object");

        // security (docs/security.md): the messages never quote a token
        tokenRules(rules, "Auth.Tokens", c.auth().tokenList());
        tokenRules(rules, "Auth.AdminTokens", c.auth().adminTokenList());
        rules.check("Auth.Metrics", AuthConfig.METRICS_MODES.contains(c.auth().metrics()),
                "must be one of " + String.join(", ", AuthConfig.METRICS_MODES));
        ServerTlsConfig tls = c.tls();
        rules.check("Tls.CertFile", !tls.certFile().isBlank() || tls.keyFile().isBlank(),
                "must be set when Tls.KeyFile is set");
        rules.check("Tls.KeyFile", !tls.keyFile().isBlank() || tls.certFile().isBlank(),
                "must be set when Tls.CertFile is set");
        rules.check("Tls.ClientCaFile", tls.clientCaFile().isBlank() || tls.enabled(),
                "needs Tls.CertFile and Tls.KeyFile: client certificates are asked for only over TLS");
        for (String path : List.of("Tls.CertFile", "Tls.KeyFile", "Tls.ClientCaFile", "BranchTls.TrustFile")) {
            String file = (String) ConfigKeys.BY_PATH.get(path).getter().apply(c);
            rules.check(path, file.isBlank() || readableFile(file), "must name a readable file");
        }
        rules.atLeast("Tls.ReloadInterval", tls.reloadInterval(), 0);
        rules.check("BranchTls.Grpc", BranchTlsConfig.GRPC_MODES.contains(c.branchTls().grpc()),
                "must be one of " + String.join(", ", BranchTlsConfig.GRPC_MODES));
        for (BranchPolicyConfig.Problem p : c.branchPolicy().problems()) {
            rules.fail(p.key(), p.what());
        }

        // tracing
        rules.check("Tracing.Enabled", TracingConfig.ENABLED_VALUES.contains(c.tracing().enabled()),
                "must be one of " + String.join(", ", TracingConfig.ENABLED_VALUES));
        rules.check("Tracing.Endpoint", c.tracing().endpoint().isEmpty() || isHttpUrl(c.tracing().endpoint()),
                "must be empty or an http(s) URL, e.g. http://collector:4318");
    }

    /** The shortest token accepted: anything shorter is guessable. */
    static final int MIN_TOKEN_LENGTH = 16;

    /** RFC 6750's b64token: what may follow {@code Bearer } in a header. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

    private static void tokenRules(Rules rules, String path, List<String> tokens) {
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            String which = tokens.size() == 1 ? "the token" : "token " + (i + 1) + " of " + tokens.size();
            rules.check(path, t.length() >= MIN_TOKEN_LENGTH,
                    "must hold tokens of at least " + MIN_TOKEN_LENGTH + " characters; " + which + " is shorter");
            rules.check(path, TOKEN.matcher(t).matches(), "must hold tokens of the characters A-Z a-z 0-9 - . _ ~ + /"
                    + " (and = at the end), as a bearer token is written; " + which + " has others");
        }
    }

    private static boolean readableFile(String file) {
        try {
            Path p = Path.of(file);
            return Files.isRegularFile(p) && Files.isReadable(p);
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** Collects rule failures as "Key: what is wrong (got value from where)". */
    private record Rules(State s) {

        void check(String path, boolean ok, String what) {
            if (!ok) {
                fail(path, what);
            }
        }

        void atLeast(String path, long value, long min) {
            check(path, value >= min, min == 0 ? "must not be negative" : "must be at least " + min);
        }

        void port(String path, int value) {
            check(path, value >= 0 && value <= 65535, "must be a port number (0-65535)");
        }

        void fail(String path, String what) {
            if (s.unparsable.contains(path)) {
                return; // its type error is already reported; the value here is a stale one
            }
            Key k = ConfigKeys.BY_PATH.get(path);
            String got = yamlValue(k, masked(k, s.values.get(path)));
            s.problems.add(path + " " + what + " (got " + got + (s.where(path).isEmpty() ? ", the default" : s.where(path)) + ")");
        }
    }

    private static boolean validZoneOffset(String s) {
        if (s.isEmpty()) {
            return true;
        }
        if (!INTEGER.matcher(s).matches() || s.length() > 4) {
            return false;
        }
        int h = Integer.parseInt(s);
        return h >= -18 && h <= 18;
    }

    private static boolean isHttpUrl(String s) {
        try {
            URI u = new URI(s);
            return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
                    && u.getHost() != null;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean isJsonObject(String s) {
        try {
            JsonNode n = JSON.readTree(s);
            return n != null && n.isObject();
        } catch (IOException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The value as shown in logs and messages, with secrets hidden. */
    static Object masked(Key k, Object value) {
        if (!(value instanceof String s) || s.isEmpty()) {
            return value;
        }
        if (SECRET_NAME.matcher(k.name()).matches()) {
            return MASK;
        }
        if (k.path().equals("AlertWebHook")) {
            // DingTalk, Slack, Feishu, WeCom webhooks carry their credential in the path or the query.
            try {
                URI u = new URI(s);
                if (u.getScheme() != null && u.getHost() != null) {
                    String port = u.getPort() < 0 ? "" : ":" + u.getPort();
                    boolean more = (u.getRawPath() != null && u.getRawPath().length() > 1) || u.getRawQuery() != null
                            || u.getRawUserInfo() != null;
                    return u.getScheme() + "://" + u.getHost() + port + (more ? "/" + MASK : "");
                }
            } catch (Exception e) {
                // not a URL: mask it all below
            }
            return MASK;
        }
        return value;
    }

    private static String yamlValue(Key k, Object value) {
        if (k.kind() != Kind.STRING) {
            return String.valueOf(value);
        }
        return "'" + String.valueOf(value).replace("'", "''") + "'";
    }
}
