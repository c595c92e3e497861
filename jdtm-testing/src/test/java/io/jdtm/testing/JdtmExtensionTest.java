package io.jdtm.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.jdtm.client.DtmClient;
import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The extension's lifecycle, run through the JUnit Platform test kit on sample classes (static nested classes, which
 * neither the build nor an IDE runs on their own): which server each test gets, through which door, and that every
 * server is stopped after the tests that used it.
 */
class JdtmExtensionTest {
    /** What the samples saw: one line per observation, "where: http port". */
    static final List<String> seen = new CopyOnWriteArrayList<>();

    private static EngineExecutionResults run(Class<?> sample) {
        seen.clear();
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute();
    }

    private static int port(String line) {
        return Integer.parseInt(line.substring(line.indexOf(": ") + 2));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void perClassOneServerServesEveryTestAndTheNestedOnesThroughEveryDoor() {
        EngineExecutionResults r = run(PerClassSample.class);

        r.testEvents().assertStatistics(s -> s.started(3).succeeded(3));
        assertThat(seen).hasSize(7).extracting(JdtmExtensionTest::port).containsOnly(port(seen.get(0)));
        assertThat(seen).extracting(l -> l.substring(0, l.indexOf(':')))
                .contains("static field", "@BeforeAll parameter", "instance field", "test parameter", "client",
                        "nested instance field", "nested test parameter");
        assertThat(listening(port(seen.get(0)))).as("stopped after the class").isFalse();
    }

    @Test
    void perMethodEveryTestGetsItsOwnServer() {
        EngineExecutionResults r = run(PerMethodSample.class);

        r.testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        assertThat(seen).hasSize(4);
        assertThat(seen.stream().map(JdtmExtensionTest::port).distinct()).hasSize(2);
        assertThat(seen).allSatisfy(l -> assertThat(listening(port(l))).as(l + " stopped").isFalse());
    }

    @Test
    void perMethodInBeforeAllIsAClearError() {
        EngineExecutionResults r = run(PerMethodBeforeAllSample.class);

        List<Event> failed = r.containerEvents().failed().list();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow())
                .hasMessageContaining("@JdtmTest(lifecycle = PER_METHOD) starts a server for each test method");
    }

    @Test
    void aPerClassTestInstanceGetsTheServerInItsConstructorAndBeforeAll() {
        EngineExecutionResults r = run(PerClassInstanceSample.class);

        r.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        assertThat(seen).hasSize(3).extracting(JdtmExtensionTest::port).containsOnly(port(seen.get(0)));
    }

    // ---- the samples

    @JdtmTest
    static class PerClassSample {
        static JdtmTestServer shared;
        JdtmTestServer tm;

        @BeforeAll
        static void beforeAll(JdtmTestServer server) {
            seen.add("static field: " + shared.httpPort());
            seen.add("@BeforeAll parameter: " + server.httpPort());
        }

        @Test
        void first(JdtmTestServer server, DtmClient client) {
            seen.add("instance field: " + tm.httpPort());
            seen.add("test parameter: " + server.httpPort());
            seen.add("client: " + java.net.URI.create(client.serverUrl()).getPort());
        }

        @Test
        void second() {
            assertThat(tm).isSameAs(shared);
        }

        @Nested
        class Inner {
            JdtmTestServer inner;

            @Test
            void nested(JdtmTestServer server) {
                seen.add("nested instance field: " + inner.httpPort());
                seen.add("nested test parameter: " + server.httpPort());
            }
        }
    }

    @JdtmTest(lifecycle = JdtmTest.Lifecycle.PER_METHOD)
    static class PerMethodSample {
        JdtmTestServer tm;

        @Test
        void first(JdtmTestServer server) {
            seen.add("first field: " + tm.httpPort());
            seen.add("first parameter: " + server.httpPort());
        }

        @Test
        void second(JdtmTestServer server) {
            seen.add("second field: " + tm.httpPort());
            seen.add("second parameter: " + server.httpPort());
        }
    }

    @JdtmTest(lifecycle = JdtmTest.Lifecycle.PER_METHOD)
    static class PerMethodBeforeAllSample {
        @BeforeAll
        static void beforeAll(JdtmTestServer server) {}

        @Test
        void test() {}
    }

    @JdtmTest
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    static class PerClassInstanceSample {
        JdtmTestServer tm;

        PerClassInstanceSample(JdtmTestServer server) {
            seen.add("constructor: " + server.httpPort());
        }

        @BeforeAll
        void beforeAll() {
            seen.add("@BeforeAll field: " + tm.httpPort());
        }

        @Test
        void test(DtmClient client) {
            seen.add("client: " + java.net.URI.create(client.serverUrl()).getPort());
        }
    }
}
