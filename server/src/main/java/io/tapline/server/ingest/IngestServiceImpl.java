package io.tapline.server.ingest;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.server.api.Principal;
import io.tapline.server.api.TaplineExceptionHandler;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallSink;
import io.tapline.server.storage.IngestListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * IngestService: the protocol of ingest. Each batch goes through the record path ({@link
 * IngestPipeline}: validation, masking, enrichment) and is handed to the sink ({@link CallSink}:
 * group commit, de-duplication); the answer comes only after the INSERT holding the batch
 * committed.
 *
 * <p>IngestStream answers one IngestResponse per batch, in order; a failed batch gets an ack with
 * {@code error} set and the stream stays open. Up to {@code ingest.stream-window-batches} batches
 * of a stream are read ahead of their acks (manual flow control), so a fast sender is slowed by
 * HTTP/2 flow control rather than by errors. The key is checked again for every batch of a stream,
 * so a revoked key stops within {@code auth.cache-ttl}.
 */
public final class IngestServiceImpl extends IngestServiceGrpc.IngestServiceImplBase
    implements AutoCloseable {

  private final IngestPipeline pipeline;
  private final CallSink sink;
  private final IngestListener listener;
  private final int streamWindowBatches;

  /**
   * @param sink stores the batches; closed with this service
   * @param listener told of the calls each batch stored, before its ack
   * @param streamWindowBatches batches of a stream read ahead of their acks
   */
  public IngestServiceImpl(
      IngestPipeline pipeline, CallSink sink, IngestListener listener, int streamWindowBatches) {
    this.pipeline = pipeline;
    this.sink = sink;
    this.listener = listener;
    this.streamWindowBatches = streamWindowBatches;
  }

  /** Runs the batch through the pipeline and hands it to the sink. */
  private Submitted submit(IngestRequest request, Principal principal) {
    IngestPipeline.Prepared prepared = pipeline.prepare(request, principal);
    return new Submitted(prepared.response(), prepared.batch().submit(principal.keyId()));
  }

  /** A batch's answer, and its commit under way. */
  private record Submitted(IngestResponse response, CompletableFuture<List<CallRecord>> commit) {}

  @Override
  public void ingest(IngestRequest request, StreamObserver<IngestResponse> responseObserver) {
    Submitted prepared = submit(request, Principal.current());
    committed(await(prepared.commit()));
    responseObserver.onNext(prepared.response());
    responseObserver.onCompleted();
  }

  @Override
  public StreamObserver<IngestRequest> ingestStream(StreamObserver<IngestResponse> responses) {
    ServerCallStreamObserver<IngestResponse> call =
        (ServerCallStreamObserver<IngestResponse>) responses;
    ServiceRequestContext ctx = ServiceRequestContext.current();
    // Acks are sent from the connection's event loop, one after the other, in batch order.
    call.disableAutoRequest();
    call.request(streamWindowBatches);
    return new StreamObserver<>() {
      private CompletableFuture<Void> acks = CompletableFuture.completedFuture(null);
      private boolean ended;

      @Override
      public void onNext(IngestRequest request) {
        if (ended) {
          return;
        }
        Submitted prepared;
        CompletableFuture<List<CallRecord>> commit;
        try {
          Principal.requireStillValid();
          prepared = submit(request, Principal.current());
          commit = prepared.commit();
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
            // The key was revoked (or expired) while the stream was open: answer what was
            // committed, then end the stream.
            ended = true;
            acks = acks.whenCompleteAsync((v, t) -> call.onError(e), ctx.eventLoop());
            return;
          }
          prepared = null;
          commit = CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
          prepared = null;
          commit = CompletableFuture.failedFuture(e);
        }
        Submitted batch = prepared;
        String batchId = request.getBatchId();
        CompletableFuture<List<CallRecord>> storing = commit;
        acks =
            acks.handle((v, previous) -> null)
                .thenCompose(v -> storing)
                .handleAsync(
                    (List<CallRecord> stored, Throwable failure) -> {
                      if (call.isCancelled()) {
                        return null;
                      }
                      if (failure == null) {
                        committed(stored);
                        call.onNext(batch.response());
                      } else {
                        call.onNext(failedAck(batchId, unwrap(failure)));
                      }
                      call.request(1);
                      return null;
                    },
                    ctx.eventLoop());
      }

      @Override
      public void onError(Throwable t) {
        // The client went away or cancelled; every answered batch was already committed, and
        // batches still in the queue are written (a retry with the same batch id is recognised).
        ended = true;
      }

      @Override
      public void onCompleted() {
        if (ended) {
          return;
        }
        ended = true;
        acks = acks.whenCompleteAsync((v, t) -> call.onCompleted(), ctx.eventLoop());
      }
    };
  }

  /** The calls a commit stored, once it completed; its failure thrown as it was raised. */
  static List<CallRecord> await(CompletableFuture<List<CallRecord>> commit) {
    try {
      return commit.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private static IngestResponse failedAck(String batchId, Throwable failure) {
    return IngestResponse.newBuilder()
        .setBatchId(batchId)
        .setError(TaplineExceptionHandler.toStatusProto(failure))
        .build();
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /**
   * Called with the records a batch's INSERT stored, once it committed and before the ack. A
   * retried batch reports only what it stored itself, so the alert rules see each call once.
   */
  private void committed(List<CallRecord> stored) {
    listener.committed(stored);
  }

  /** Writes what is queued, then stops the sink. */
  @Override
  public void close() {
    sink.close();
  }
}
