package io.tapline.server.ingest;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.Rejection;
import io.tapline.server.InvalidRequestException;
import io.tapline.server.TaplineExceptionHandler;
import io.tapline.server.auth.Principal;
import io.tapline.server.auth.Scope;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallWriter;
import io.tapline.server.storage.clickhouse.ClickHouseCallWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Receives batches of calls, unary or streamed. Each batch is validated record by record, the
 * valid records are written as one batch, and the answer comes only after the store committed it.
 * Runs on Armeria's blocking task executor: writing waits for ClickHouse.
 */
public final class IngestServiceImpl extends IngestServiceGrpc.IngestServiceImplBase {

  private final CallWriter writer;
  private final int maxBatchRecords;
  private final CallValidator validator = new CallValidator();
  private final IngestListener listener;

  public IngestServiceImpl(CallWriter writer, int maxBatchRecords) {
    this(writer, maxBatchRecords, IngestListener.NONE);
  }

  public IngestServiceImpl(CallWriter writer, int maxBatchRecords, IngestListener listener) {
    this.writer = writer;
    this.maxBatchRecords = maxBatchRecords;
    this.listener = listener;
  }

  @Override
  public void ingest(IngestRequest request, StreamObserver<IngestResponse> responseObserver) {
    responseObserver.onNext(store(request));
    responseObserver.onCompleted();
  }

  @Override
  public StreamObserver<IngestRequest> ingestStream(StreamObserver<IngestResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(IngestRequest request) {
        IngestResponse response;
        try {
          response = store(request);
        } catch (RuntimeException e) {
          // A failed batch is reported in its ack; the stream stays open for the next batches.
          Status status = TaplineExceptionHandler.toStatus(e);
          response =
              IngestResponse.newBuilder()
                  .setBatchId(request.getBatchId())
                  .setError(
                      com.google.rpc.Status.newBuilder()
                          .setCode(status.getCode().value())
                          .setMessage(String.valueOf(status.getDescription())))
                  .build();
        }
        responses.onNext(response);
      }

      @Override
      public void onError(Throwable t) {
        // The client went away or cancelled; every answered batch was already committed.
      }

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  private IngestResponse store(IngestRequest request) {
    String batchId = request.getBatchId().isEmpty() ? Ids.uuidV7() : request.getBatchId();
    if (!ClickHouseCallWriter.BATCH_ID.matcher(batchId).matches()) {
      throw new InvalidRequestException(
          "batch_id", "must be 1 to 128 characters from [A-Za-z0-9._:-]");
    }
    if (request.getCallsCount() > maxBatchRecords) {
      throw new InvalidRequestException(
          "calls", "a batch holds at most " + maxBatchRecords + " records; got " + request.getCallsCount());
    }
    Principal principal = Principal.current();
    List<CallRecord> accepted = new ArrayList<>(request.getCallsCount());
    IngestResponse.Builder response = IngestResponse.newBuilder().setBatchId(batchId);
    for (int i = 0; i < request.getCallsCount(); i++) {
      ApiCall call = request.getCalls(i);
      CallValidator.Result result = validator.validate(call);
      if (result.accepted() && !principal.allows(Scope.INGEST, result.record().service())) {
        result =
            CallValidator.Result.refused(
                "service", "this API key may only send calls of service '" + principal.service() + "'");
      }
      if (result.accepted()) {
        accepted.add(
            result.record().stampedWith(principal.customerId(), principal.plan()));
      } else {
        response.addRejections(
            Rejection.newBuilder().setIndex(i).setField(result.field()).setReason(result.reason()));
      }
    }
    writer.write(batchId, accepted);
    listener.committed(accepted);
    return response
        .setAccepted(accepted.size())
        .setRejected(response.getRejectionsCount())
        .build();
  }
}
