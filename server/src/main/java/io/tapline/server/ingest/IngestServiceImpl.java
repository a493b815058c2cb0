package io.tapline.server.ingest;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tapline.masking.Masker;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.Rejection;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.api.TaplineExceptionHandler;
import io.tapline.server.api.UnreadableCalls;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallWriter;
import io.tapline.server.storage.PlanStore;
import io.tapline.server.storage.ServiceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.tapline.server.storage.IngestListener;

/**
 * Receives batches of calls, unary or streamed. Each batch goes through the record path:
 *
 * <ol>
 *   <li>limits of the batch (records, rate limit of the key), then each record is validated
 *       ({@link CallValidator}); refused records are reported by index and reason;
 *   <li>secrets are masked ({@link Masker}) before anything else sees the record, then bodies
 *       over {@code ingest.max-body-bytes} are cut and flagged;
 *   <li>enrichment: route template when missing ({@link RouteTemplates}), the key's customer and
 *       plan, the service's retention ({@link ServiceSettings});
 *   <li>group commit ({@link GroupCommitter}); the answer comes only after the INSERT holding the
 *       batch committed.
 * </ol>
 *
 * <p>IngestStream answers one IngestResponse per batch, in order; a failed batch gets an ack with
 * {@code error} set and the stream stays open. Up to {@code ingest.stream-window-batches} batches
 * of a stream are read ahead of their acks (manual flow control), so a fast sender is slowed by
 * HTTP/2 flow control rather than by errors. The key is checked again for every batch of a stream,
 * so a revoked key stops within {@code auth.cache-ttl}.
 */
public final class IngestServiceImpl extends IngestServiceGrpc.IngestServiceImplBase
    implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(IngestServiceImpl.class);

  private final TaplineConfig.Ingest config;
  private final CallValidator validator;
  private final StoredRecords stored;
  private final ServiceSettings services;
  private final RateLimiter rateLimiter;
  private final GroupCommitter committer;
  private final CallWriter writer;
  private final IngestListener listener;

  /**
   * @param masker masks every call before it is stored
   * @param plans the usage plans, whose rate limits apply to the keys on them
   */
  public IngestServiceImpl(
      TaplineConfig.Ingest config,
      Masker masker,
      CallWriter writer,
      ServiceStore serviceStore,
      PlanStore plans,
      IngestListener listener,
      Clock clock) {
    this.listener = listener;
    this.config = config;
    this.writer = writer;
    this.validator = new CallValidator(config, clock);
    this.stored = new StoredRecords(masker, config.maxBodyBytes());
    this.services =
        new ServiceSettings(serviceStore, config.serviceCacheTtl(), config.defaultRetentionDays());
    this.rateLimiter = new RateLimiter(
            config.rateLimitPerSecond(),
            new PlanRates(plans, config.serviceCacheTtl()),
            System::nanoTime);
    this.committer =
        new GroupCommitter(
            writer,
            config.queueRecords(),
            config.queueBytes(),
            config.commitMaxRecords(),
            config.commitInterval(),
            config.retryAfter(),
            config.commitWorkers());
  }

  @Override
  public void ingest(IngestRequest request, StreamObserver<IngestResponse> responseObserver) {
    Prepared prepared = prepare(request, Principal.current());
    List<CallRecord> stored;
    try {
      stored = prepared.commit().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    committed(stored);
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
    call.request(config.streamWindowBatches());
    return new StreamObserver<>() {
      private CompletableFuture<Void> acks = CompletableFuture.completedFuture(null);
      private boolean ended;

      @Override
      public void onNext(IngestRequest request) {
        if (ended) {
          return;
        }
        Prepared prepared;
        CompletableFuture<List<CallRecord>> commit;
        try {
          Principal.requireStillValid();
          prepared = prepare(request, Principal.current());
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
        Prepared batch = prepared;
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

  /** A validated, masked and enriched batch, queued for commit. */
  private record Prepared(IngestResponse response, CompletableFuture<List<CallRecord>> commit) {}

  private Prepared prepare(IngestRequest request, Principal principal) {
    UnreadableCalls.Problem unreadable = UnreadableCalls.problem(request);
    if (unreadable != null) {
      throw new InvalidRequestException(
          unreadable.field().isEmpty() ? "batch" : unreadable.field(), unreadable.reason());
    }
    boolean named = !request.getBatchId().isEmpty();
    String batchId = named ? request.getBatchId() : Ids.uuidV7();
    if (!CallWriter.BATCH_ID.matcher(batchId).matches()) {
      throw new InvalidRequestException(
          "batch_id", "must be 1 to 128 characters from [A-Za-z0-9._:-]");
    }
    if (request.getCallsCount() > config.maxBatchRecords()) {
      throw new InvalidRequestException(
          "calls",
          "a batch holds at most " + config.maxBatchRecords() + " records; got "
              + request.getCallsCount() + " (split it)");
    }
    Duration wait = rateLimiter.acquire(principal.keyId(), principal.plan(), request.getCallsCount());
    if (!wait.isZero()) {
      throw new RetryLaterException(
          RetryLaterException.Reason.OVERLOADED,
          "this API key sends more records per second than its rate limit allows",
          wait,
          null);
    }
    List<CallRecord> accepted = new ArrayList<>(request.getCallsCount());
    // Each service's settings are read once per batch (a batch takes milliseconds, the cache
    // applies changes within ingest.service-cache-ttl).
    Map<String, ServiceSettings.Settings> settingsByService = new HashMap<>();
    IngestResponse.Builder response = IngestResponse.newBuilder().setBatchId(batchId);
    Ids.BatchKeys batchKeys = named ? new Ids.BatchKeys(batchId) : null;
    for (int i = 0; i < request.getCallsCount(); i++) {
      ApiCall call = request.getCalls(i);
      CallValidator.Result result;
      try {
        Ids.BatchKey batchKey = batchKeys == null ? null : batchKeys.of(call.getService());
        result = validator.validate(call, batchKey, i);
      } catch (Throwable t) { // whatever one record does, the batch goes on without it
        logger.warn("Record {} of batch {} could not be validated", i, batchId, t);
        result = CallValidator.Result.refused("", "could not be read (" + t.getClass().getSimpleName() + ")");
      }
      if (result.accepted() && !principal.allows(Scope.INGEST, result.record().service())) {
        result =
            CallValidator.Result.refused(
                "service", "this API key may only send calls of service '" + principal.service() + "'");
      }
      if (result.accepted()) {
        // Outside the per-record guard: an unreadable store fails the batch (retryable).
        ServiceSettings.Settings settings =
            settingsByService.computeIfAbsent(result.record().service(), services::of);
        try {
          accepted.add(
              stored.toStore(
                  result.record(), settings.sensitiveHeaders(), principal.customerId(), principal.plan()));
          continue;
        } catch (MaskingFailedException e) {
          logger.warn("Record {} of batch {}: {} {}", i, batchId, e.field(), e.getMessage(), e.getCause());
          result = CallValidator.Result.refused(e.field(), e.getMessage());
        }
      }
      response.addRejections(
          Rejection.newBuilder().setIndex(i).setField(result.field()).setReason(result.reason()));
    }
    Map<String, Integer> retention = new HashMap<>();
    settingsByService.forEach((service, settings) -> retention.put(service, settings.retentionDays()));
    CompletableFuture<List<CallRecord>> commit =
        committer.submit(
            named ? principal.keyId() + "/" + batchId : null,
            writer.prepare(new CallWriter.Batch(batchId, accepted, retention, named)));
    return new Prepared(
        response.setAccepted(accepted.size()).setRejected(response.getRejectionsCount()).build(),
        commit);
  }

  /** Calls accepted and waiting for their group commit (the queue depth). */
  public long queuedRecords() {
    return committer.queuedRecords();
  }

  /** Writes what is queued, then stops the group commit worker. */
  @Override
  public void close() {
    committer.close();
  }
}
