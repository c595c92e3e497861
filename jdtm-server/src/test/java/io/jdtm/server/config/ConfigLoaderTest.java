package io.jdtm.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String content) throws IOException {
        Path f = dir.resolve("conf.yml");
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }

    private ServerConfig load(String content) throws IOException {
        return ConfigLoader.load(yaml(content), Map.of());
    }

    private ConfigException rejected(String content) throws IOException {
        Path f = yaml(content);
        return catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(f, Map.of()));
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ConfigLoaderTest.class.getResource("/" + name).toURI());
    }

    // --- environment variable names --------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "Store.Driver, STORE_DRIVER",
        "MicroService.EndPoint, MICRO_SERVICE_END_POINT",
        "Store.MaxOpenConns, STORE_MAX_OPEN_CONNS",
        "Store.ConnMaxLifeTime, STORE_CONN_MAX_LIFE_TIME",
        "HttpPort, HTTP_PORT",
        "JsonRpcPort, JSON_RPC_PORT",
        "UpdateBranchAsyncGoroutineNum, UPDATE_BRANCH_ASYNC_GOROUTINE_NUM",
        "Log.RotationConfigJSON, LOG_ROTATION_CONFIG_JSON",
        "TimeZoneOffset, TIME_ZONE_OFFSET",
        "AlertWebHook, ALERT_WEB_HOOK",
        "Store.DataDir, STORE_DATA_DIR",
        "MaxGidLength, MAX_GID_LENGTH",
        "Auth.AdminTokens, AUTH_ADMIN_TOKENS",
        "Tls.ClientCaFile, TLS_CLIENT_CA_FILE",
        "BranchTls.TrustFile, BRANCH_TLS_TRUST_FILE",
        "BranchPolicy.AllowCidrs, BRANCH_POLICY_ALLOW_CIDRS",
        "BranchPolicy.AllowMetadata, BRANCH_POLICY_ALLOW_METADATA"
    })
    void envNameFollowsDtmRule(String yamlPath, String env) {
        assertThat(ConfigLoader.envName(yamlPath)).isEqualTo(env);
    }

    // --- load order ------------------------------------------------------------------------------------------------

    @Test
    void noFileAndNoEnvironmentGivesTheDefaults() {
        ServerConfig c = ConfigLoader.load(null, Map.of());

        assertThat(c).isEqualTo(ServerConfig.defaults());
        assertThat(c.updateBranchSync()).isEqualTo(1);
        assertThat(c.store().driver()).isEqualTo("boltdb");
        assertThat(c.httpPort()).isEqualTo(36789);
    }

    @Test
    void environmentOverridesDefaults() {
        ServerConfig c = ConfigLoader.fromEnvironment(Map.of(
                "STORE_DRIVER", "postgres",
                "STORE_HOST", "db.local",
                "STORE_PORT", "5432",
                "STORE_USER", "jdtm",
                "STORE_MAX_OPEN_CONNS", "20",
                "RETRY_INTERVAL", "20",
                "TIMEOUT_TO_FAIL", "60",
                "MAX_BODY_BYTES", "1024",
                "STORE_DATA_DIR", "/var/lib/jdtm",
                "ALERT_WEB_HOOK", ""));

        assertThat(c.store().driver()).isEqualTo("postgres");
        assertThat(c.store().host()).isEqualTo("db.local");
        assertThat(c.store().port()).isEqualTo(5432);
        assertThat(c.store().user()).isEqualTo("jdtm");
        assertThat(c.store().maxOpenConns()).isEqualTo(20);
        assertThat(c.store().dataDir()).isEqualTo("/var/lib/jdtm");
        assertThat(c.retryInterval()).isEqualTo(20);
        assertThat(c.timeoutToFail()).isEqualTo(60);
        assertThat(c.maxBodyBytes()).isEqualTo(1024);
        assertThat(c.alertWebHook()).as("an empty variable counts as unset, as in DTM").isEmpty();
        assertThat(c.grpcPort()).isEqualTo(36790);
    }

    @Test
    void fileOverridesEnvironmentForTheKeysItHas() throws IOException {
        Path f = yaml("""
                HttpPort: 2000
                Store:
                  Driver: redis
                  Host: localhost
                  Port: 6379
                """);

        ServerConfig c = ConfigLoader.load(f, Map.of(
                "HTTP_PORT", "1000",
                "RETRY_INTERVAL", "20",
                "STORE_DRIVER", "mysql",
                "STORE_PASSWORD", "from-env"));

        assertThat(c.httpPort()).isEqualTo(2000);
        assertThat(c.store().driver()).isEqualTo("redis");
        assertThat(c.retryInterval()).as("not in the file: env wins").isEqualTo(20);
        assertThat(c.store().password()).as("not in the file: env wins").isEqualTo("from-env");
    }

    // --- DTM files -------------------------------------------------------------------------------------------------

    @Test
    void dtmSampleConfigLoadsUnmodified() throws Exception {
        ServerConfig c = ConfigLoader.load(resource("dtm-conf.sample.yml"), Map.of());

        assertThat(c).as("the sample is all comments").isEqualTo(ServerConfig.defaults());
    }

    @Test
    void dtmConfigWithEveryKeySetLoads() throws Exception {
        ServerConfig c = ConfigLoader.load(resource("dtm-conf.full.yml"), Map.of());

        assertThat(c.store().driver()).isEqualTo("postgres");
        assertThat(c.store().port()).as("DTM's sample quotes it: '5432'").isEqualTo(5432);
        assertThat(c.store().password()).isEqualTo("mysecretpassword");
        assertThat(c.store().db()).isEqualTo("postgres");
        assertThat(c.timeZoneOffset()).isEqualTo("+8");
        assertThat(c.configUpdateInterval()).isEqualTo(10);
        assertThat(c.alertWebHook()).isEqualTo("http://localhost:8080/dtm-hook");
        assertThat(c.grpcServiceConfig()).isEqualTo("{\"loadBalancingConfig\": [{\"round_robin\":{}}]}");
    }

    @Test
    void sectionWithEveryLineCommentedOutKeepsDefaults() throws IOException {
        ServerConfig c = load("""
                Store:
                #  Driver: 'mysql'
                #  Host: 'localhost'
                HttpPort:
                """);

        assertThat(c).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void unknownKeysInsideDtmSectionsJdtmDoesNotUseAreAccepted() throws IOException {
        ServerConfig c = load("""
                MicroService:
                  Driver: default
                  SomethingNewer: 1
                HttpMicroService:
                  RegistryOptions: '{}'
                  Nested: {a: [1, 2]}
                Log:
                  Outputs: 'stderr,/tmp/dtm.log'
                GrpcBalancer: round_robin
                JsonRpcPort: 36791
                """);

        assertThat(c).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void stringKeysKeepTheTextAsWritten() throws IOException {
        ServerConfig c = load("""
                Store:
                  Password: 0123
                  Db: 42
                TimeZoneOffset: +8
                LogLevel: DEBUG
                GrpcServiceConfig: ''
                """);

        assertThat(c.store().password()).as("not the YAML 1.1 octal 83").isEqualTo("0123");
        assertThat(c.store().db()).isEqualTo("42");
        assertThat(c.timeZoneOffset()).isEqualTo("+8");
        assertThat(c.logLevel()).isEqualTo("debug");
        assertThat(c.grpcServiceConfig()).as("DTM puts the default back").isEqualTo(
                ServerConfig.defaults().grpcServiceConfig());
    }

    // --- rejected input --------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        RetryInterval: 5                                            | RetryInterval          | 5
        {RetryInterval: 20, TimeoutToFail: 15}                      | TimeoutToFail          | 15
        Store: {Driver: mysql, Port: 3306, User: root}              | Store.Host             | ''
        Store: {Driver: mysql, Host: h, User: root}                 | Store.Port             | 0
        Store: {Driver: mysql, Host: h, Port: 3306}                 | Store.User             | ''
        Store: {Driver: postgres, Host: h, Port: 1, User: u, Schema: ''} | Store.Schema      | ''
        Store: {Driver: redis, Port: 6379}                          | Store.Host             | ''
        Store: {Driver: redis, Host: localhost}                     | Store.Port             | 0
        Store: {Driver: sqlserver}                                  | Store.Driver           | 'sqlserver'
        Store: {Driver: mongo}                                      | Store.Driver           | 'mongo'
        Store: {Driver: redis, Host: h, Port: 70000}                | Store.Port             | 70000
        Store: {MaxOpenConns: 0}                                    | Store.MaxOpenConns     | 0
        Store: {MaxIdleConns: -1}                                   | Store.MaxIdleConns     | -1
        Store: {Retention: -1}                                      | Store.Retention        | -1
        Store: {DataDir: ''}                                        | Store.DataDir          | ''
        HttpPort: 70000                                             | HttpPort               | 70000
        GrpcPort: -1                                                | GrpcPort               | -1
        TransCronInterval: 0                                        | TransCronInterval      | 0
        RequestTimeout: 0                                           | RequestTimeout         | 0
        MaxBodyBytes: 0                                             | MaxBodyBytes           | 0
        CronConcurrency: 0                                          | CronConcurrency        | 0
        CronBatch: -5                                               | CronBatch              | -5
        MaxGidLength: 0                                             | MaxGidLength           | 0
        {MaxGidLength: 200, Store: {Driver: mysql, Host: h, Port: 1, User: u}} | MaxGidLength | 200
        LogLevel: verbose                                           | LogLevel               | 'verbose'
        TimeZoneOffset: abc                                         | TimeZoneOffset         | 'abc'
        TimeZoneOffset: 25                                          | TimeZoneOffset         | '25'
        AlertWebHook: not a url                                     | AlertWebHook           | '******'
        GrpcServiceConfig: '[1]'                                    | GrpcServiceConfig      | '[1]'
        """)
    void everyRuleNamesItsKeyAndTheValue(String content, String key, String value) throws IOException {
        ConfigException e = rejected(content);

        assertThat(e).isNotNull();
        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().get(0)).startsWith(key + " ").contains("(got " + value);
    }

    @Test
    void allProblemsAreReportedAtOnce() throws IOException {
        ConfigException e = rejected("""
                RetryInterval: 5
                HttpPort: abc
                Bogus: 1
                Store:
                  Driver: redis
                """);

        assertThat(e.problems()).hasSize(5);
        assertThat(e.getMessage()).contains("5 problems", "RetryInterval", "HttpPort", "Bogus", "Store.Host",
                "Store.Port");
    }

    @Test
    void unknownTopLevelKeyIsRejectedWithTheValidKeys() throws IOException {
        ConfigException e = rejected("RetryIntreval: 60\n");

        assertThat(e.getMessage())
                .contains("unknown key 'RetryIntreval'", "conf.yml:1", "did you mean 'RetryInterval'?")
                .contains("valid top-level keys: Store, TransCronInterval", "HttpPort", "MaxGidLength");
    }

    @Test
    void keysAreCaseSensitiveAsInDtm() throws IOException {
        assertThat(rejected("httpPort: 1\n").getMessage())
                .contains("unknown key 'httpPort'", "did you mean 'HttpPort'?");
        assertThat(rejected("Driver: mysql\n").getMessage()).contains("did you mean 'Store.Driver'?");
    }

    @Test
    void unknownStoreKeyIsRejectedWithTheValidKeys() throws IOException {
        ConfigException e = rejected("Store:\n  Pasword: x\n");

        assertThat(e.getMessage()).contains("unknown key 'Store.Pasword'", "did you mean 'Password'?",
                "valid keys in Store: Driver, Host, Port");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        RetryInterval: abc       | RetryInterval: 'abc' from
        HttpPort: 3.5            | HttpPort: '3.5' from
        HttpPort: true           | HttpPort: 'true' from
        HttpPort: 99999999999    | HttpPort: 99999999999 from
        'HttpPort: [1, 2]'       | HttpPort at
        'LogLevel: {a: 1}'       | LogLevel at
        Store: mysql             | Store at
        """)
    void wrongTypeIsRejectedNamingKeyAndValue(String content, String expected) throws IOException {
        assertThat(rejected(content).getMessage()).contains(expected);
    }

    @Test
    void wrongTypeInTheEnvironmentNamesTheVariable() {
        assertThatThrownBy(() -> ConfigLoader.fromEnvironment(Map.of("RETRY_INTERVAL", "abc")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("RetryInterval: 'abc' from env RETRY_INTERVAL");
        assertThatThrownBy(() -> ConfigLoader.fromEnvironment(Map.of("RETRY_INTERVAL", "5")))
                .hasMessageContaining("RetryInterval must be at least 10 (got 5 from env RETRY_INTERVAL)");
    }

    @Test
    void duplicateKeyIsRejected() throws IOException {
        assertThat(rejected("HttpPort: 1\nHttpPort: 2\n").getMessage())
                .contains("conf.yml:2", "'HttpPort' appears twice");
    }

    @Test
    void yamlSyntaxErrorNamesFileAndLine() throws IOException {
        assertThat(rejected("HttpPort: 1\nStore: [1\n").getMessage()).contains("conf.yml:", "not valid YAML");
    }

    @Test
    void topLevelMustBeAMapping() throws IOException {
        assertThat(rejected("- HttpPort\n").getMessage()).contains("top level must be a mapping");
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.yml");

        assertThatThrownBy(() -> ConfigLoader.load(missing, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void configBuiltInCodeIsValidatedByTheSameRules() {
        ConfigLoader.validate(ServerConfig.defaults());
        ServerConfig mysqlWithoutHost = ServerConfig.defaults().withStore(StoreConfig.defaults().withDriver("mysql"));

        assertThatThrownBy(() -> ConfigLoader.validate(mysqlWithoutHost))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Store.Host must be set for Store.Driver mysql (got '', the default)");
    }

    // --- description -----------------------------------------------------------------------------------------------

    @Test
    void descriptionMasksSecrets() throws IOException {
        ServerConfig c = load("""
                Store:
                  Password: s3cret
                AlertWebHook: https://oapi.dingtalk.com/robot/send?access_token=abcdef
                """);

        String d = ConfigLoader.describe(c);

        assertThat(d).doesNotContain("s3cret", "abcdef", "access_token")
                .contains("  Password: '******'")
                .contains("AlertWebHook: 'https://oapi.dingtalk.com/******'")
                .contains("  Driver: 'boltdb'", "RetryInterval: 10", "MaxBodyBytes: 4194304 # jdtm");
    }

    @Test
    void descriptionOfAnUnsetPasswordShowsItIsEmpty() {
        assertThat(ConfigLoader.describe(ServerConfig.defaults())).contains("  Password: ''");
    }

    @Test
    void descriptionIsAConfigFileThatLoadsBackToTheSameConfig() throws IOException {
        ServerConfig c = load("""
                Store: {Driver: redis, Host: "it's here", Port: 6379}
                RetryInterval: 15
                """);

        assertThat(load(ConfigLoader.describe(c))).isEqualTo(c);
    }

    // --- security sections (docs/security.md) ----------------------------------------------------------------------

    private static final String TOKEN_A = "tok-aaaaaaaaaaaaaaaaaaaa";
    private static final String TOKEN_B = "tok-bbbbbbbbbbbbbbbbbbbb";

    @Test
    void securitySectionsAreOffByDefault() {
        ServerConfig c = ConfigLoader.fromEnvironment(Map.of());

        assertThat(c.auth().enabled()).isFalse();
        assertThat(c.tls().enabled()).isFalse();
        assertThat(c.branchTls().grpcTls()).isFalse();
        assertThat(c.tls().reloadInterval()).isEqualTo(60);
    }

    @Test
    void tokensComeFromTheEnvironmentOrTheFileAsCommaSeparatedLists() throws IOException {
        ServerConfig env = ConfigLoader.fromEnvironment(Map.of("AUTH_TOKENS", TOKEN_A + ", " + TOKEN_B,
                "AUTH_ADMIN_TOKENS", TOKEN_B, "AUTH_METRICS", "OPEN"));
        ServerConfig file = load("Auth:\n  Tokens: " + TOKEN_A + "\nBranchTls:\n  Grpc: tls\n");

        assertThat(env.auth().tokenList()).containsExactly(TOKEN_A, TOKEN_B);
        assertThat(env.auth().adminTokenList()).containsExactly(TOKEN_B);
        assertThat(env.auth().metricsOpen()).isTrue();
        assertThat(file.auth().tokenList()).containsExactly(TOKEN_A);
        assertThat(file.branchTls().grpcTls()).isTrue();
    }

    @Test
    void tokensAreMaskedInTheDescriptionAndTheRecord() {
        ServerConfig c = ConfigLoader.fromEnvironment(Map.of("AUTH_TOKENS", TOKEN_A, "AUTH_ADMIN_TOKENS", TOKEN_B));

        assertThat(ConfigLoader.describe(c)).doesNotContain(TOKEN_A, TOKEN_B)
                .contains("Auth:\n  Tokens: '******' # jdtm\n  AdminTokens: '******' # jdtm\n  Metrics: 'token'");
        assertThat(c.toString()).doesNotContain(TOKEN_A, TOKEN_B);
    }

    @Test
    void aBadTokenIsNamedByItsPlaceNeverQuoted() {
        String shortOne = "q7z";
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.fromEnvironment(
                Map.of("AUTH_TOKENS", TOKEN_A + "," + shortOne, "AUTH_ADMIN_TOKENS", "has space in it 0123456789")));

        assertThat(e.problems()).hasSize(2);
        assertThat(e.problems().get(0)).startsWith("Auth.Tokens must hold tokens of at least 16 characters; token 2 of"
                + " 2 is shorter (got '******' from env AUTH_TOKENS)");
        assertThat(e.problems().get(1)).startsWith("Auth.AdminTokens must hold tokens of the characters");
        assertThat(e.getMessage()).doesNotContain(shortOne, TOKEN_A, "has space");
    }

    @Test
    void tlsFilesComeTogetherAndMustBeReadable() throws IOException {
        ConfigException e = rejected("""
                Tls:
                  CertFile: /no/such/cert.pem
                  ClientCaFile: ca.pem
                Auth:
                  Metrics: sometimes
                BranchTls:
                  Grpc: maybe
                """);

        assertThat(e.problems()).containsExactlyInAnyOrder(
                "Tls.KeyFile must be set when Tls.CertFile is set (got '', the default)",
                "Tls.CertFile must name a readable file (got '/no/such/cert.pem' from " + dir.resolve("conf.yml")
                        + ":2)",
                "Tls.ClientCaFile must name a readable file (got 'ca.pem' from " + dir.resolve("conf.yml") + ":3)",
                "Auth.Metrics must be one of token, open (got 'sometimes' from " + dir.resolve("conf.yml") + ":5)",
                "BranchTls.Grpc must be one of plaintext, tls (got 'maybe' from " + dir.resolve("conf.yml") + ":7)");
    }

    @Test
    void unknownKeysInTheNewSectionsAreRejectedWithHints() throws IOException {
        ConfigException e = rejected("""
                Auth:
                  Token: x
                Tokens: y
                """);

        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("unknown key 'Auth.Token'")
                .contains("did you mean 'Tokens'?").contains("valid keys in Auth: Tokens, AdminTokens, Metrics"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("unknown key 'Tokens'")
                .contains("did you mean 'Auth.Tokens'? it belongs under Auth:"));
    }

    // --- BranchPolicy ----------------------------------------------------------------------------------------------

    @Test
    void branchPolicyListsAreCommaSeparatedInTheFileAndTheEnvironment() throws IOException {
        Path f = yaml("""
                BranchPolicy:
                  DenyCidrs: 10.0.0.0/8, fd00::/8
                  AllowPorts: '443,,8000-8999 '
                  AllowMetadata: TRUE
                """);

        BranchPolicyConfig p = ConfigLoader.load(f, Map.of("BRANCH_POLICY_DENY_HOSTS", "*.internal.example, db.example",
                "BRANCH_POLICY_DENY_CIDRS", "192.0.2.1")).branchPolicy();

        assertThat(p.denyCidrList()).containsExactly("10.0.0.0/8", "fd00::/8");
        assertThat(p.denyHostList()).containsExactly("*.internal.example", "db.example");
        assertThat(p.allowPortList()).containsExactly("443", "8000-8999");
        assertThat(p.metadataAllowed()).isTrue();
        assertThat(p.allowMetadata()).isEqualTo("true");
        assertThat(p.allowHostList()).isEmpty();
        assertThat(ServerConfig.defaults().branchPolicy().metadataAllowed()).isFalse();
    }

    @Test
    void everyBadBranchPolicyEntryIsReportedWithItsKey() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(null, Map.of(
                "BRANCH_POLICY_DENY_CIDRS", "10.0.0.0/8,10.0.0.0/33",
                "BRANCH_POLICY_ALLOW_CIDRS", "example.com",
                "BRANCH_POLICY_ALLOW_PORTS", "0",
                "BRANCH_POLICY_ALLOW_SCHEMES", "https,ftp",
                "BRANCH_POLICY_ALLOW_HOSTS", "bad_host.example",
                "BRANCH_POLICY_ALLOW_METADATA", "yes")));

        assertThat(e.problems()).hasSize(6);
        assertThat(e.getMessage()).contains("BranchPolicy.DenyCidrs has a bad entry: '10.0.0.0/33' has a bad prefix",
                "from env BRANCH_POLICY_DENY_CIDRS", "BranchPolicy.AllowCidrs has a bad entry: 'example.com'",
                "BranchPolicy.AllowPorts has a bad entry: '0'", "BranchPolicy.AllowSchemes has a bad entry: 'ftp'",
                "BranchPolicy.AllowHosts has a bad entry: 'bad_host.example'",
                "BranchPolicy.AllowMetadata must be true or false (got 'yes' from env BRANCH_POLICY_ALLOW_METADATA)");
    }

    @Test
    void unknownBranchPolicyKeyIsRejectedWithTheValidKeys() throws IOException {
        assertThat(rejected("BranchPolicy:\n  DenyHost: a\n").getMessage())
                .contains("unknown key 'BranchPolicy.DenyHost'", "did you mean 'DenyHosts'?",
                        "valid keys in BranchPolicy: AllowHosts, DenyHosts");
        assertThat(rejected("AllowCidrs: 10.0.0.0/8\n").getMessage())
                .contains("did you mean 'BranchPolicy.AllowCidrs'? it belongs under BranchPolicy:");
    }

    @Test
    void descriptionWithABranchPolicyLoadsBackToTheSameConfig() throws IOException {
        ServerConfig c = load("""
                BranchPolicy:
                  DenyCidrs: 10.0.0.0/8, fd00::/8
                  AllowHosts: '*.corp.example'
                  AllowMetadata: true
                """);

        String d = ConfigLoader.describe(c);

        assertThat(d).contains("BranchPolicy:\n  AllowHosts: '*.corp.example' # jdtm\n",
                "  DenyCidrs: '10.0.0.0/8, fd00::/8' # jdtm", "  AllowMetadata: 'true' # jdtm");
        assertThat(load(d)).isEqualTo(c);
    }

    // --- documentation ---------------------------------------------------------------------------------------------

    @Test
    void everyKeyIsDocumentedWithItsEnvironmentVariable() throws IOException {
        Path doc = Path.of("..", "docs", "configuration.md");
        String text = Files.readString(doc);

        for (ConfigKeys.Key k : ConfigKeys.ALL) {
            assertThat(text).as(k.path()).contains("`" + k.path() + "`").contains("`" + k.env() + "`");
        }
    }

    // --- tracing ---------------------------------------------------------------------------------------------------

    @Test
    void tracingIsOffByDefaultAndReadFromYamlOrEnvironment() throws IOException {
        assertThat(ServerConfig.defaults().tracing().on()).isFalse();
        ServerConfig c = load("""
                Tracing:
                  Enabled: TRUE
                  Endpoint: http://collector:4318
                """);
        assertThat(c.tracing().on()).isTrue();
        assertThat(c.tracing().endpoint()).isEqualTo("http://collector:4318");
        ServerConfig env = ConfigLoader.fromEnvironment(Map.of("TRACING_ENABLED", "true", "TRACING_SERVICE_NAME", "tm-a"));
        assertThat(env.tracing().on()).isTrue();
        assertThat(env.tracing().serviceName()).isEqualTo("tm-a");
    }

    @Test
    void tracingValuesAreChecked() throws IOException {
        ConfigException e = rejected("""
                Tracing:
                  Enabled: maybe
                  Endpoint: collector:4318
                """);

        assertThat(e.problems()).containsExactlyInAnyOrder(
                "Tracing.Enabled must be one of false, true (got 'maybe' from " + dir.resolve("conf.yml") + ":2)",
                "Tracing.Endpoint must be empty or an http(s) URL, e.g. http://collector:4318 (got 'collector:4318' from "
                        + dir.resolve("conf.yml") + ":3)");
    }

    // --- write lanes -----------------------------------------------------------------------------------------------

    @Test
    void writeLanesAreReadAndChecked() throws IOException {
        assertThat(ServerConfig.defaults().store().writeLanes()).as("the engine's own choice").isZero();
        ServerConfig c = load("""
                Store:
                  Driver: postgres
                  Host: db
                  Port: 5432
                  User: postgres
                  WriteLanes: 4
                """);
        assertThat(c.store().writeLanes()).isEqualTo(4);

        ConfigException tooMany = rejected("""
                Store:
                  Driver: mysql
                  Host: db
                  Port: 3306
                  User: root
                  WriteLanes: 17
                """);
        assertThat(tooMany.problems()).containsExactly(
                "Store.WriteLanes must be at most 16 (got 17 from " + dir.resolve("conf.yml") + ":6)");
        ConfigException embedded = rejected("""
                Store:
                  WriteLanes: 2
                """);
        assertThat(embedded.problems()).singleElement().asString()
                .startsWith("Store.WriteLanes applies to Store.Driver postgres and mysql only");
        ConfigException negative = rejected("""
                Store:
                  WriteLanes: -1
                """);
        assertThat(negative.problems()).singleElement().asString().startsWith("Store.WriteLanes must not be negative");
    }

    // --- redis cluster ---------------------------------------------------------------------------------------------

    @Test
    void redisClusterKeysAreReadAndChecked() throws IOException {
        ServerConfig c = load("""
                Store:
                  Driver: redis
                  Host: 10.0.0.1:7001,10.0.0.2
                  Port: 7000
                  RedisCluster: 'True'
                  RedisWaitReplicas: 1
                  RedisWaitTimeoutMs: 250
                """);
        assertThat(c.store().isRedisCluster()).isTrue();
        assertThat(c.store().redisWaitReplicas()).isEqualTo(1);
        assertThat(c.store().redisWaitTimeoutMs()).isEqualTo(250);
        assertThat(ServerConfig.defaults().store().isRedisCluster()).isFalse();
        assertThat(ServerConfig.defaults().store().redisWaitReplicas()).isZero();

        ConfigException e = rejected("""
                Store:
                  RedisCluster: maybe
                  RedisWaitReplicas: -1
                  RedisWaitTimeoutMs: 0
                """);
        assertThat(e.problems()).containsExactlyInAnyOrder(
                "Store.RedisCluster must be one of false, true (got 'maybe' from " + dir.resolve("conf.yml") + ":2)",
                "Store.RedisWaitReplicas must not be negative (got -1 from " + dir.resolve("conf.yml") + ":3)",
                "Store.RedisWaitTimeoutMs must be at least 1 (got 0 from " + dir.resolve("conf.yml") + ":4)");
    }
}
