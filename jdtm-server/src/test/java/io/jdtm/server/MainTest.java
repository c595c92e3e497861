package io.jdtm.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line in-process: every path that returns before the server starts. */
class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dashVPrintsTheVersionAndExits() {
        int code = run(Map.of(), "-v");

        assertThat(code).isZero();
        assertThat(out()).isEqualTo("jdtm version: " + Version.current() + System.lineSeparator());
        assertThat(Version.current()).startsWith("v").isNotEqualTo(Version.DEV);
        assertThat(err()).isEmpty();
    }

    @Test
    void dashHPrintsEveryDtmFlag() {
        int code = run(Map.of(), "-h");

        assertThat(code).isZero();
        assertThat(out()).contains("Usage: jdtm", "-c, --config=<file>", "-d, --debug", "-r, --reset",
                "-v, --version", "-h, --help", "docs/configuration.md");
    }

    @Test
    void missingConfigFileIsAClearErrorWithExitCode2() {
        Path missing = dir.resolve("missing.yml");

        int code = run(Map.of(), "-c", missing.toString());

        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(err()).contains("jdtm: invalid configuration: config file " + missing + " does not exist")
                .doesNotContain("\tat ", "Exception");
        assertThat(out()).isEmpty();
    }

    @Test
    void badConfigValueIsAClearErrorWithExitCode2() throws IOException {
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "RetryInterval: abc\nStore:\n  Driver: mysql\n");

        int code = run(Map.of(), "-c", bad.toString());

        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(err()).contains("RetryInterval: 'abc' from " + bad + ":1 is not a whole number",
                        "Store.Host must be set for Store.Driver mysql")
                .doesNotContain("\tat ");
    }

    @Test
    void badEnvironmentIsAClearErrorWithExitCode2() {
        int code = run(Map.of("STORE_DRIVER", "sqlserver"));

        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(err()).contains("Store.Driver must be one of", "'sqlserver' from env STORE_DRIVER");
    }

    @ParameterizedTest
    @CsvSource({"-x, Unknown option: '-x'", "extra, Unmatched argument", "-c, Missing required parameter"})
    void badCommandLineShowsUsageWithExitCode2(String arg, String message) {
        int code = run(Map.of(), arg);

        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(err()).contains("jdtm: " + message, "Usage: jdtm");
    }

    @ParameterizedTest
    @CsvSource({"0.1.0-SNAPSHOT, v0.1.0-SNAPSHOT", "v1.2.3, v1.2.3", "'', v0.0.0-dev", "${project.version}, v0.0.0-dev"})
    void versionComesFromTheProjectVersion(String projectVersion, String expected) {
        assertThat(Version.fromProjectVersion(projectVersion)).isEqualTo(expected);
    }
}
