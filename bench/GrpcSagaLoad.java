import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gRPC twin of bench/saga.lua, in its own process: keeps {@code connections} 2-step sagas with wait_result in
 * flight over the TM's gRPC API ({@code dtmgimp.Dtm/Submit}, one HTTP/2 connection per 8 in flight), each with a
 * fresh gid, for a warm-up and then the measured seconds, and prints wrk-like lines: requests, Requests/sec,
 * latency percentiles, errors. Started by bench/run when BENCH_API=grpc:
 *
 * <pre>java -cp 'jdtm-server/target/lib/*' bench/GrpcSagaLoad.java host:port seconds connections branchUrl [warmup=8]</pre>
 */
public final class GrpcSagaLoad {
    public static void main(String[] args) throws Exception {
        String target = args[0];
        int seconds = Integer.parseInt(args[1]);
        int inFlight = Integer.parseInt(args[2]);
        String branch = args.length > 3 ? args[3] : "";
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 8;
        int channels = Math.max(1, inFlight / 8);
        ManagedChannel[] ch = new ManagedChannel[channels];
        DtmGrpc.DtmStub[] stubs = new DtmGrpc.DtmStub[channels];
        for (int i = 0; i < channels; i++) {
            ch[i] = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
            stubs[i] = DtmGrpc.newStub(ch[i]);
        }
        String steps = "[{\"action\":\"" + branch + "\",\"compensate\":\"" + branch + "\"},{\"action\":\"" + branch
                + "\",\"compensate\":\"\"}]";
        ByteString payload = ByteString.copyFromUtf8("{\"amount\":30}");
        String prefix = "grpc-bench-" + Long.toHexString(System.nanoTime()) + "-";
        if (warmup > 0) {
            run(stubs, steps, payload, prefix + "warm-", warmup, inFlight, null);
        }
        long[] lat = new long[4_000_000];
        Result r = run(stubs, steps, payload, prefix, seconds, inFlight, lat);
        long[] sorted = Arrays.copyOf(lat, (int) Math.min(lat.length, r.ok));
        Arrays.sort(sorted);
        System.out.printf("  %d requests in %.2fs, %d errors%n", r.ok + r.errors, r.seconds, r.errors);
        System.out.printf("     50%% %8.2fms%n", pct(sorted, 0.50));
        System.out.printf("     90%% %8.2fms%n", pct(sorted, 0.90));
        System.out.printf("     99%% %8.2fms%n", pct(sorted, 0.99));
        System.out.printf("Requests/sec: %10.2f%n", r.ok / r.seconds);
        if (r.firstError != null) {
            System.out.println("first error: " + r.firstError);
        }
        for (ManagedChannel c : ch) {
            c.shutdownNow();
        }
    }

    private record Result(long ok, long errors, double seconds, String firstError) {}

    private static Result run(DtmGrpc.DtmStub[] stubs, String steps, ByteString payload, String prefix, int seconds,
            int inFlight, long[] lat) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong seq = new AtomicLong();
        String[] firstError = {null};
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            slots.acquire();
            long n = seq.getAndIncrement();
            DtmRequest req = DtmRequest.newBuilder().setGid(prefix + n).setTransType("saga").setSteps(steps)
                    .addBinPayloads(payload).addBinPayloads(payload)
                    .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true)).build();
            long t0 = System.nanoTime();
            stubs[(int) (n % stubs.length)].submit(req, new StreamObserver<>() {
                @Override
                public void onNext(com.google.protobuf.Empty value) {}

                @Override
                public void onError(Throwable t) {
                    errors.incrementAndGet();
                    synchronized (firstError) {
                        if (firstError[0] == null) {
                            firstError[0] = t.toString();
                        }
                    }
                    slots.release();
                }

                @Override
                public void onCompleted() {
                    long i = ok.getAndIncrement();
                    if (lat != null && i < lat.length) {
                        lat[(int) i] = System.nanoTime() - t0;
                    }
                    slots.release();
                }
            });
        }
        slots.acquire(inFlight); // wait for the last ones
        double secs = (System.nanoTime() - start) / 1e9;
        return new Result(ok.get(), errors.get(), secs, firstError[0]);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }
}
