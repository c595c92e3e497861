package io.jdtm.spring.actuate;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.client.DtmDuplicatedException;
import io.jdtm.client.DtmFailureException;
import io.jdtm.client.DtmOngoingException;
import io.jdtm.client.DtmUnknownException;
import io.jdtm.client.Transport;
import io.jdtm.protocol.TransRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Times every call of the client to the TM in the Micrometer timer {@value #TIMER}, tagged {@code operation}
 * ({@code newGid}, {@code prepare}, {@code submit}, {@code abort}, {@code registerBranch}, {@code prepareWorkflow},
 * {@code query}), {@code outcome} ({@code success}, {@code failure}, {@code ongoing}, {@code duplicated},
 * {@code unknown} for a transport error or 5xx, {@code error} for anything else) and {@code protocol}
 * ({@code http}, {@code grpc}). Installed with {@code DtmClient.Builder.wrapTransport}; thread-safe.
 */
public final class MeteredTransport implements Transport {

    /** The timer's name. */
    public static final String TIMER = "jdtm.client.requests";

    private final Transport delegate;
    private final MeterRegistry registry;

    public MeteredTransport(Transport delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
    }

    @Override
    public String serverAddress() {
        return delegate.serverAddress();
    }

    @Override
    public String protocol() {
        return delegate.protocol();
    }

    @Override
    public String newGid() {
        return timed("newGid", delegate::newGid);
    }

    @Override
    public void prepare(TransRequest request, List<byte[]> binPayloads) {
        timed("prepare", () -> delegate.prepare(request, binPayloads));
    }

    @Override
    public void submit(TransRequest request, List<byte[]> binPayloads) {
        timed("submit", () -> delegate.submit(request, binPayloads));
    }

    @Override
    public void abort(TransRequest request) {
        timed("abort", () -> delegate.abort(request));
    }

    @Override
    public void registerBranch(Map<String, String> branch, byte[] data) {
        timed("registerBranch", () -> delegate.registerBranch(branch, data));
    }

    @Override
    public JsonNode prepareWorkflow(TransRequest request) {
        return timed("prepareWorkflow", () -> delegate.prepareWorkflow(request));
    }

    @Override
    public JsonNode query(String gid) {
        return timed("query", () -> delegate.query(gid));
    }

    @Override
    public void close() {
        delegate.close();
    }

    private void timed(String operation, Runnable call) {
        timed(operation, () -> {
            call.run();
            return null;
        });
    }

    private <T> T timed(String operation, Supplier<T> call) {
        long start = System.nanoTime();
        String outcome = "error";
        try {
            T v = call.get();
            outcome = "success";
            return v;
        } catch (RuntimeException e) {
            outcome = outcome(e);
            throw e;
        } finally {
            Timer.builder(TIMER).description("Calls of the jdtm client to the TM")
                    .tags("operation", operation, "outcome", outcome, "protocol", delegate.protocol())
                    .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private static String outcome(RuntimeException e) {
        if (e instanceof DtmFailureException) {
            return "failure";
        }
        if (e instanceof DtmOngoingException) {
            return "ongoing";
        }
        if (e instanceof DtmDuplicatedException) {
            return "duplicated";
        }
        return e instanceof DtmUnknownException ? "unknown" : "error";
    }
}
