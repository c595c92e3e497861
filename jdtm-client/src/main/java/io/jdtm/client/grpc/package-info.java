/**
 * The RM side of gRPC branches: {@link io.jdtm.client.grpc.BranchContextInterceptor} and
 * {@link io.jdtm.client.grpc.BranchContext} read DTM's {@code dtm-*} metadata (and build the
 * {@link io.jdtm.client.BranchBarrier} from it), {@link io.jdtm.client.grpc.RmStatuses} turns a handler's outcome into
 * the gRPC status DTM's TM expects. The AP side of gRPC lives in {@link io.jdtm.client} (a {@code DtmClient} built with
 * {@code grpcTarget}).
 */
package io.jdtm.client.grpc;
