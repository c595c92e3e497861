package io.jdtm.testing;

import io.jdtm.client.DtmClient;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The JUnit Jupiter extension behind {@link JdtmTest @JdtmTest}: starts a {@link JdtmTestServer} per class or per
 * test method, sets the test's {@link JdtmTestServer} fields, resolves {@link JdtmTestServer} and {@link DtmClient}
 * parameters, and stops the server afterwards. The server lives in the Jupiter store of the class (or method) that
 * started it, so {@code @Nested} classes share their outer class's server. Uses only extension API that JUnit Jupiter 5
 * (5.10 and later) and 6 share.
 */
public final class JdtmExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(JdtmExtension.class);
    private static final String SERVER = "server";

    @Override
    public void beforeAll(ExtensionContext context) {
        if (settings(context).lifecycle() == JdtmTest.Lifecycle.PER_CLASS) {
            inject(context, classServer(context));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeOwn(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        JdtmTestServer server;
        if (settings(context).lifecycle() == JdtmTest.Lifecycle.PER_METHOD) {
            server = start(context);
            context.getStore(NAMESPACE).put(SERVER, server);
        } else {
            server = classServer(context);
        }
        inject(context, server);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeOwn(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == JdtmTestServer.class || type == DtmClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        JdtmTestServer server = context.getStore(NAMESPACE).get(SERVER, JdtmTestServer.class);
        if (server == null) {
            if (settings(context).lifecycle() == JdtmTest.Lifecycle.PER_METHOD) {
                throw new ParameterResolutionException("@JdtmTest(lifecycle = PER_METHOD) starts a server for each"
                        + " test method; there is none yet for " + parameter.getDeclaringExecutable()
                        + " (use PER_CLASS to have one in @BeforeAll or constructors)");
            }
            // a constructor under @TestInstance(PER_CLASS) runs before the class's before-all callbacks
            server = classServer(context);
        }
        return parameter.getParameter().getType() == DtmClient.class ? server.client() : server;
    }

    /** The class's server, started on first use; an outer class's server serves its {@code @Nested} classes. */
    private static JdtmTestServer classServer(ExtensionContext context) {
        JdtmTestServer server = context.getStore(NAMESPACE).get(SERVER, JdtmTestServer.class);
        if (server == null) {
            ExtensionContext classContext = context;
            while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
                classContext = classContext.getParent().get();
            }
            server = start(context);
            classContext.getStore(NAMESPACE).put(SERVER, server);
        }
        return server;
    }

    private static JdtmTestServer start(ExtensionContext context) {
        return JdtmTestServer.builder().poller(settings(context).poller()).start();
    }

    /** Stops the server this context started, if any: never one of an enclosing context. */
    private static void closeOwn(ExtensionContext context) {
        JdtmTestServer own = context.getStore(NAMESPACE).remove(SERVER, JdtmTestServer.class);
        if (own != null) {
            own.close();
        }
    }

    /** Sets every non-final {@link JdtmTestServer} field: static ones of the test class, and those of its instances. */
    private static void inject(ExtensionContext context, JdtmTestServer server) {
        context.getTestClass().ifPresent(c -> setFields(c, null, server));
        context.getTestInstances().ifPresent(instances -> {
            for (Object instance : instances.getAllInstances()) {
                setFields(instance.getClass(), instance, server);
            }
        });
    }

    private static void setFields(Class<?> type, Object instance, JdtmTestServer server) {
        List<Field> fields = ReflectionSupport.findFields(type,
                f -> f.getType() == JdtmTestServer.class && !Modifier.isFinal(f.getModifiers())
                        && Modifier.isStatic(f.getModifiers()) == (instance == null),
                HierarchyTraversalMode.TOP_DOWN);
        for (Field f : fields) {
            try {
                f.setAccessible(true);
                f.set(instance, server);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new ExtensionConfigurationException("@JdtmTest cannot set field " + f, e);
            }
        }
    }

    /** The {@code @JdtmTest} of the test class, its superclasses or enclosing classes; defaults without one. */
    private static Settings settings(ExtensionContext context) {
        Class<?> c = context.getTestClass().orElse(null);
        for (; c != null; c = c.getEnclosingClass()) {
            Optional<JdtmTest> a = AnnotationSupport.findAnnotation(c, JdtmTest.class);
            if (a.isPresent()) {
                return new Settings(a.get().lifecycle(), a.get().poller());
            }
        }
        return new Settings(JdtmTest.Lifecycle.PER_CLASS, false);
    }

    private record Settings(JdtmTest.Lifecycle lifecycle, boolean poller) {}
}
