package io.jdtm.server.grpc;

import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import io.grpc.stub.StreamObserver;
import io.jdtm.protocol.grpc.dtmgimp.DtmBranchRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmGidReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmProgressesReply;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTopicRequest;
import io.jdtm.server.api.Gids;
import io.jdtm.server.trans.DtmException;
import io.jdtm.server.trans.TransService;
import java.util.function.Supplier;

/**
 * DTM's gRPC service {@code dtmgimp.Dtm} (spec §8): NewGid, Submit, Prepare, Abort, RegisterBranch,
 * PrepareWorkflow, Subscribe, Unsubscribe and DeleteTopic with the semantics and idempotency of their HTTP twins.
 * Each method decodes ({@link GrpcCodec}), calls {@link TransService}, and encodes; failures end the call with the
 * status {@link GrpcStatuses} maps them to. Handlers run on virtual threads and block freely.
 */
final class GrpcApi extends DtmGrpc.DtmImplBase {
    private static final Empty EMPTY = Empty.getDefaultInstance();

    private final TransService service;
    private final long maxMessageBytes;

    /** {@code maxMessageBytes}: {@code MaxBodyBytes}, the largest request message accepted. */
    GrpcApi(TransService service, long maxMessageBytes) {
        this.service = service;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void newGid(Empty request, StreamObserver<DtmGidReply> out) {
        answer(out, () -> DtmGidReply.newBuilder().setGid(Gids.next()).build());
    }

    @Override
    public void submit(DtmRequest request, StreamObserver<Empty> out) {
        operation(out, () -> {
            DtmRequest r = limited(request);
            service.submit(GrpcCodec.trans(r), GrpcCodec.binPayloads(r));
        });
    }

    @Override
    public void prepare(DtmRequest request, StreamObserver<Empty> out) {
        operation(out, () -> {
            DtmRequest r = limited(request);
            service.prepare(GrpcCodec.trans(r), GrpcCodec.binPayloads(r));
        });
    }

    @Override
    public void abort(DtmRequest request, StreamObserver<Empty> out) {
        operation(out, () -> service.abort(GrpcCodec.trans(limited(request))));
    }

    @Override
    public void registerBranch(DtmBranchRequest request, StreamObserver<Empty> out) {
        operation(out, () -> {
            DtmBranchRequest r = limited(request);
            service.registerBranch(GrpcCodec.branch(r), r.getBusiPayload().toByteArray());
        });
    }

    @Override
    public void prepareWorkflow(DtmRequest request, StreamObserver<DtmProgressesReply> out) {
        answer(out, () -> GrpcCodec.progresses(service.prepareWorkflow(GrpcCodec.trans(limited(request)))));
    }

    @Override
    public void subscribe(DtmTopicRequest request, StreamObserver<Empty> out) {
        operation(out, () -> {
            DtmTopicRequest r = limited(request);
            service.topics().subscribe(r.getTopic(), r.getURL(), r.getRemark());
        });
    }

    @Override
    public void unsubscribe(DtmTopicRequest request, StreamObserver<Empty> out) {
        operation(out, () -> {
            DtmTopicRequest r = limited(request);
            service.topics().unsubscribe(r.getTopic(), r.getURL());
        });
    }

    @Override
    public void deleteTopic(DtmTopicRequest request, StreamObserver<Empty> out) {
        operation(out, () -> service.topics().deleteTopic(limited(request).getTopic()));
    }

    /**
     * The request, when it is at most {@code MaxBodyBytes} long. The transport reads messages up to a hard limit
     * ({@link GrpcServer}); between the two the caller gets this readable answer, as HTTP answers 413.
     */
    private <T extends MessageLite> T limited(T request) {
        int size = request.getSerializedSize();
        if (size > maxMessageBytes) {
            throw DtmException.tooLarge("request message is " + size + " bytes, larger than the configured "
                    + "MaxBodyBytes (" + maxMessageBytes + ")");
        }
        return request;
    }

    private static void operation(StreamObserver<Empty> out, Runnable op) {
        answer(out, () -> {
            op.run();
            return EMPTY;
        });
    }

    private static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
        T reply;
        try {
            reply = body.get();
        } catch (RuntimeException e) {
            out.onError(GrpcStatuses.exception(e));
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }
}
