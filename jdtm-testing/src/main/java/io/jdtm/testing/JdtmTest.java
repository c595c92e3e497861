package io.jdtm.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against a real jdtm server started in-process: its embedded store in a temporary
 * directory, HTTP and gRPC on free ports of {@code 127.0.0.1}. The test receives the server as a
 * {@link JdtmTestServer} parameter (of test, lifecycle and constructor methods) or in any field of that type left
 * {@code null} (static or not), and a {@link io.jdtm.client.DtmClient} bound to it as a parameter.
 *
 * <pre>{@code
 * @JdtmTest
 * class TransferTest {
 *     @Test
 *     void transferSucceeds(JdtmTestServer tm, DtmClient dtm) {
 *         String gid = dtm.newGid();
 *         dtm.saga(gid).add(bank + "/TransOut", bank + "/TransOutRevert", body).submit();
 *         tm.awaitStatus(gid, TransStatus.SUCCEED);
 *     }
 * }
 * }</pre>
 *
 * <p>One server serves every test of the class (and of its {@code @Nested} classes) unless {@link #lifecycle()} asks
 * for one per test method. The server is stopped and its data directory deleted after the last test that used it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(JdtmExtension.class)
public @interface JdtmTest {

    /** When a new server starts. */
    enum Lifecycle {
        /** One server for the whole class: started before its first test, stopped after its last. */
        PER_CLASS,
        /** A fresh, empty server for every test method. */
        PER_METHOD
    }

    /** One server per class (default) or per test method. */
    Lifecycle lifecycle() default Lifecycle.PER_CLASS;

    /**
     * Whether the server's background poller runs (retries at {@code RetryInterval}, 10 s; timeouts of prepared
     * transactions). Off by default so a test decides when the TM retries: {@link JdtmTestServer#runPoller}.
     */
    boolean poller() default false;
}
