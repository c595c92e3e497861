package io.jdtm.protocol.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.jdtm.protocol.grpc.dtmgimp.DtmGrpc;
import io.jdtm.protocol.grpc.dtmgimp.DtmRequest;
import io.jdtm.protocol.grpc.dtmgimp.DtmTransOptions;
import io.jdtm.protocol.grpc.dtmgimp.Dtmgimp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins {@code dtmgimp.proto} to DTM's own (dtm-labs/dtm {@code client/dtmgrpc/dtmgpb/dtmgimp.proto}, transcribed
 * below): package, service, methods, messages, field names, numbers and types. A DTM stub in any language talks
 * to jdtm only while these match, so a change here must be a change of DTM's file.
 */
class GrpcProtoWireTest {

    /** DTM's service: method → (request, reply), in DTM's order. */
    private static final Map<String, String[]> METHODS = new LinkedHashMap<>();
    /** DTM's messages: name → "Field=number:type" in DTM's order; map fields as map<k,v>. */
    private static final Map<String, List<String>> MESSAGES = new LinkedHashMap<>();

    static {
        METHODS.put("NewGid", new String[] {"google.protobuf.Empty", "dtmgimp.DtmGidReply"});
        METHODS.put("Submit", new String[] {"dtmgimp.DtmRequest", "google.protobuf.Empty"});
        METHODS.put("Prepare", new String[] {"dtmgimp.DtmRequest", "google.protobuf.Empty"});
        METHODS.put("Abort", new String[] {"dtmgimp.DtmRequest", "google.protobuf.Empty"});
        METHODS.put("RegisterBranch", new String[] {"dtmgimp.DtmBranchRequest", "google.protobuf.Empty"});
        METHODS.put("PrepareWorkflow", new String[] {"dtmgimp.DtmRequest", "dtmgimp.DtmProgressesReply"});
        METHODS.put("Subscribe", new String[] {"dtmgimp.DtmTopicRequest", "google.protobuf.Empty"});
        METHODS.put("Unsubscribe", new String[] {"dtmgimp.DtmTopicRequest", "google.protobuf.Empty"});
        METHODS.put("DeleteTopic", new String[] {"dtmgimp.DtmTopicRequest", "google.protobuf.Empty"});

        MESSAGES.put("DtmTransOptions", List.of("WaitResult=1:bool", "TimeoutToFail=2:int64", "RetryInterval=3:int64",
                "BranchHeaders=5:map<string,string>", "RequestTimeout=6:int64", "RetryLimit=7:int64"));
        MESSAGES.put("DtmRequest", List.of("Gid=1:string", "TransType=2:string",
                "TransOptions=3:dtmgimp.DtmTransOptions", "CustomedData=4:string", "BinPayloads=5:repeated bytes",
                "QueryPrepared=6:string", "Steps=7:string", "ReqExtra=8:map<string,string>",
                "RollbackReason=9:string"));
        MESSAGES.put("DtmGidReply", List.of("Gid=1:string"));
        MESSAGES.put("DtmBranchRequest", List.of("Gid=1:string", "TransType=2:string", "BranchID=3:string",
                "Op=4:string", "Data=5:map<string,string>", "BusiPayload=6:bytes"));
        MESSAGES.put("DtmProgressesReply", List.of("Transaction=1:dtmgimp.DtmTransaction",
                "Progresses=2:repeated dtmgimp.DtmProgress"));
        MESSAGES.put("DtmTransaction", List.of("Gid=1:string", "Status=2:string", "RollbackReason=3:string",
                "Result=4:string"));
        MESSAGES.put("DtmProgress", List.of("Status=1:string", "BinData=2:bytes", "BranchID=3:string",
                "Op=4:string"));
        MESSAGES.put("DtmTopicRequest", List.of("Topic=1:string", "URL=2:string", "Remark=3:string"));
    }

    private static final FileDescriptor FILE = Dtmgimp.getDescriptor();

    @Test
    void packageServiceAndMethodsAreDtms() {
        assertThat(FILE.getPackage()).isEqualTo("dtmgimp");
        assertThat(FILE.getServices()).hasSize(1);
        ServiceDescriptor s = FILE.getServices().get(0);
        assertThat(s.getFullName()).isEqualTo("dtmgimp.Dtm").isEqualTo(DtmGrpc.SERVICE_NAME);
        Map<String, String[]> actual = new LinkedHashMap<>();
        for (MethodDescriptor m : s.getMethods()) {
            assertThat(m.isClientStreaming() || m.isServerStreaming()).as(m.getName() + " is unary").isFalse();
            actual.put(m.getName(), new String[] {m.getInputType().getFullName(), m.getOutputType().getFullName()});
        }
        assertThat(actual).containsExactlyEntriesOf(METHODS);
        // the paths on the wire, as the Go client calls them
        for (io.grpc.MethodDescriptor<?, ?> m : List.<io.grpc.MethodDescriptor<?, ?>>of(DtmGrpc.getNewGidMethod(),
                DtmGrpc.getSubmitMethod(), DtmGrpc.getPrepareMethod(), DtmGrpc.getAbortMethod(),
                DtmGrpc.getRegisterBranchMethod(), DtmGrpc.getPrepareWorkflowMethod(), DtmGrpc.getSubscribeMethod(),
                DtmGrpc.getUnsubscribeMethod(), DtmGrpc.getDeleteTopicMethod())) {
            assertThat(m.getFullMethodName()).isEqualTo("dtmgimp.Dtm/" + m.getBareMethodName());
            assertThat(METHODS).containsKey(m.getBareMethodName());
            assertThat(m.getType()).isEqualTo(MethodType.UNARY);
        }
    }

    @Test
    void messagesFieldsNumbersAndTypesAreDtms() {
        Map<String, List<String>> actual = new LinkedHashMap<>();
        for (Descriptor d : FILE.getMessageTypes()) {
            List<String> fields = new ArrayList<>();
            for (FieldDescriptor f : d.getFields()) {
                fields.add(f.getName() + "=" + f.getNumber() + ":" + type(f));
                // no json_name options: JSON names are protoc's defaults, as in DTM's file
                assertThat(f.getJsonName()).isEqualTo(f.getName());
            }
            actual.put(d.getName(), fields);
        }
        assertThat(actual).containsExactlyEntriesOf(MESSAGES);
        assertThat(Dtmgimp.getDescriptor().findMessageTypeByName("DtmTransOptions").findFieldByNumber(4))
                .as("4 is reserved (PassthroughHeaders)").isNull();
    }

    private static String type(FieldDescriptor f) {
        if (f.isMapField()) {
            Descriptor entry = f.getMessageType();
            return "map<" + scalar(entry.findFieldByName("key")) + "," + scalar(entry.findFieldByName("value")) + ">";
        }
        return (f.isRepeated() ? "repeated " : "") + scalar(f);
    }

    private static String scalar(FieldDescriptor f) {
        return f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType().getFullName()
                : f.getType().name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A request with every field set encodes to exactly the bytes DTM's field numbers and wire types give (written
     * here by hand), and decodes back to the same request. The payload is not UTF-8, so any trip through text
     * would show.
     */
    @Test
    void fullRequestRoundTripsByteIdentically() throws IOException {
        byte[] payload0 = {(byte) 0xff, (byte) 0xfe, 0x00, 0x41};
        byte[] payload1 = {0x0a, 0x03, 0x01, 0x02, 0x03};
        DtmRequest req = DtmRequest.newBuilder()
                .setGid("gid-1")
                .setTransType("saga")
                .setTransOptions(DtmTransOptions.newBuilder()
                        .setWaitResult(true).setTimeoutToFail(35).setRetryInterval(15)
                        .putBranchHeaders("X-Tenant", "t1").setRequestTimeout(3).setRetryLimit(2))
                .setCustomedData("{\"concurrent\":false}")
                .addBinPayloads(ByteString.copyFrom(payload0))
                .addBinPayloads(ByteString.copyFrom(payload1))
                .setQueryPrepared("localhost:50589/busi.Busi/QueryPrepared")
                .setSteps("[{\"action\":\"localhost:50589/busi.Busi/TransOut\"}]")
                .putReqExtra("status", "succeed")
                .setRollbackReason("insufficient balance")
                .build();

        byte[] options = encode(o -> {
            o.writeBool(1, true);
            o.writeInt64(2, 35);
            o.writeInt64(3, 15);
            o.writeByteArray(5, encode(e -> {
                e.writeString(1, "X-Tenant");
                e.writeString(2, "t1");
            }));
            o.writeInt64(6, 3);
            o.writeInt64(7, 2);
        });
        byte[] expected = encode(o -> {
            o.writeString(1, "gid-1");
            o.writeString(2, "saga");
            o.writeByteArray(3, options);
            o.writeString(4, "{\"concurrent\":false}");
            o.writeByteArray(5, payload0);
            o.writeByteArray(5, payload1);
            o.writeString(6, "localhost:50589/busi.Busi/QueryPrepared");
            o.writeString(7, "[{\"action\":\"localhost:50589/busi.Busi/TransOut\"}]");
            o.writeByteArray(8, encode(e -> {
                e.writeString(1, "status");
                e.writeString(2, "succeed");
            }));
            o.writeString(9, "insufficient balance");
        });

        assertThat(req.toByteArray()).isEqualTo(expected);
        DtmRequest back = DtmRequest.parseFrom(expected);
        assertThat(back).isEqualTo(req);
        assertThat(back.toByteArray()).isEqualTo(expected);
        assertThat(back.getBinPayloads(0).toByteArray()).isEqualTo(payload0);
        assertThat(back.getUnknownFields().asMap()).isEmpty();
    }

    private interface Writer {
        void write(CodedOutputStream o) throws IOException;
    }

    private static byte[] encode(Writer w) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(bytes);
        w.write(o);
        o.flush();
        return bytes.toByteArray();
    }
}
