package io.jdtm.server.branch;

import com.google.common.net.HostAndPort;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * gRPC's resolver hook for gRPC branch calls: the dial target {@code host:port} is resolved through the
 * {@link DestinationPolicy} and the channel balances over the addresses that passed, one address group each (as
 * grpc-java's DNS resolver gives them); the channel connects to those addresses only. When every address is
 * refused the channel's calls fail with {@code UNAVAILABLE} and the policy's text, which
 * {@link GrpcBranchTransport} turns into a refused result; the channel asks again (with gRPC's backoff) on the
 * next call after that, so a changed DNS answer is checked again too.
 */
final class PolicyNameResolver extends NameResolver {
    /**
     * The scheme of branch channels' targets: a channel built for {@code host:port} with {@link #provider} resolves
     * {@code jdtm-branch:///host:port}.
     */
    static final String SCHEME = "jdtm-branch";

    private final HostAndPort target;
    private final DestinationPolicy policy;
    private final SynchronizationContext sync;
    private final Executor executor;
    private Listener2 listener;
    private boolean resolving;
    private boolean shutdown;

    private PolicyNameResolver(HostAndPort target, DestinationPolicy policy, Args args) {
        this.target = target;
        this.policy = policy;
        this.sync = args.getSynchronizationContext();
        Executor offload = args.getOffloadExecutor();
        this.executor = offload != null ? offload : Thread::startVirtualThread;
    }

    /** The provider of a channel's resolvers; give it to the channel builder (it is not registered globally). */
    static NameResolverProvider provider(DestinationPolicy policy) {
        return new NameResolverProvider() {
            @Override
            public NameResolver newNameResolver(URI uri, Args args) {
                if (!SCHEME.equals(uri.getScheme())) {
                    return null;
                }
                String path = uri.getPath() == null ? "" : uri.getPath();
                HostAndPort hp = HostAndPort.fromString(path.startsWith("/") ? path.substring(1) : path)
                        .withDefaultPort(args.getDefaultPort());
                return new PolicyNameResolver(hp, policy, args);
            }

            @Override
            public String getDefaultScheme() {
                return SCHEME;
            }

            @Override
            protected boolean isAvailable() {
                return true;
            }

            @Override
            protected int priority() {
                return 5;
            }
        };
    }

    @Override
    public String getServiceAuthority() {
        return target.toString();
    }

    @Override
    public void start(Listener2 l) {
        this.listener = l;
        resolve();
    }

    @Override
    public void refresh() {
        resolve();
    }

    /** Runs in the synchronization context; the lookup itself runs off it. */
    private void resolve() {
        if (resolving || shutdown) {
            return;
        }
        resolving = true;
        executor.execute(() -> {
            ResolutionResult result = null;
            Status error = null;
            try {
                List<EquivalentAddressGroup> groups = new ArrayList<>();
                for (InetAddress a : policy.resolve(target.getHost())) {
                    groups.add(new EquivalentAddressGroup(new InetSocketAddress(a, target.getPort())));
                }
                result = ResolutionResult.newBuilder().setAddresses(groups).build();
            } catch (DestinationPolicy.Refused e) {
                error = Status.UNAVAILABLE.withDescription(e.getMessage());
            } catch (UnknownHostException e) {
                error = Status.UNAVAILABLE.withDescription("cannot resolve " + target.getHost()).withCause(e);
            } catch (RuntimeException e) {
                error = Status.UNAVAILABLE.withDescription("cannot resolve " + target.getHost() + ": " + e)
                        .withCause(e);
            }
            ResolutionResult r = result;
            Status s = error;
            sync.execute(() -> {
                resolving = false;
                if (shutdown) {
                    return;
                }
                if (r != null) {
                    listener.onResult2(r);
                } else {
                    listener.onError(s);
                }
            });
        });
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }
}
