package io.tapline.server.ingest;

import io.tapline.masking.Masker;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.Rejection;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.api.UnreadableCalls;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.storage.CallBatch;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallSink;
import io.tapline.server.storage.PlanStore;
import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record path of ingest, whatever the protocol a batch came in:
 *
 * <ol>
 *   <li>limits of the batch (records, rate limit of the key), then each record is validated ({@link
 *       CallValidator}); refused records are reported by index and reason;
 *   <li>secrets are masked ({@link Masker}) before anything else sees the record, then the
 *       service's fields are extracted ({@link FieldExtractor}) and bodies over {@code
 *       ingest.max-body-bytes} are cut and flagged;
 *   <li>enrichment: route template when missing ({@link RouteTemplates}), the key's customer and
 *       plan, the service's retention ({@link ServiceSettings}).
 * </ol>
 *
 * <p>What comes out is a {@link CallBatch} for the sink, and the answer to send once it is stored.
 * Thread-safe.
 */
public final class IngestPipeline {

  private static final Logger logger = LoggerFactory.getLogger(IngestPipeline.class);

  /**
   * A validated, masked and enriched batch.
   *
   * @param response the answer once the batch is stored: counts and rejections
   * @param batch the accepted records, to store
   */
  public record Prepared(IngestResponse response, CallSink.OpenBatch batch) {}

  private final TaplineConfig.Ingest config;
  private final CallSink sink;
  private final CallValidator validator;
  private final StoredRecords stored;
  private final ServiceSettings services;
  private final RateLimiter rateLimiter;

  /**
   * @param masker masks every call before it is stored
   * @param sink where prepared batches go; each call is encoded for it as soon as it is ready
   * @param plans the usage plans, whose rate limits apply to the keys on them
   */
  public IngestPipeline(
      TaplineConfig.Ingest config,
      Masker masker,
      CallSink sink,
      ServiceStore serviceStore,
      PlanStore plans,
      Clock clock) {
    this.config = config;
    this.sink = sink;
    this.validator = new CallValidator(config, clock);
    this.stored = new StoredRecords(masker, config.maxBodyBytes());
    this.services =
        new ServiceSettings(serviceStore, config.serviceCacheTtl(), config.defaultRetentionDays());
    this.rateLimiter =
        new RateLimiter(
            config.rateLimitPerSecond(),
            new PlanRates(plans, config.serviceCacheTtl()),
            System::nanoTime);
  }

  /** How {@code service}'s OpenTelemetry spans become calls (cached like its other settings). */
  ServiceRecord.Otlp otlpSettings(String service) {
    return services.of(service).otlp();
  }

  /**
   * Validates, masks and enriches a batch: its answer (with every refused record's index, field and
   * reason) and the batch of accepted records to store.
   *
   * @throws InvalidRequestException when the batch as a whole is refused (unreadable, too many
   *     records, an invalid batch id)
   * @throws RetryLaterException when the key sends more than its rate limit allows
   */
  public Prepared prepare(IngestRequest request, Principal principal) {
    UnreadableCalls.Problem unreadable = UnreadableCalls.problem(request);
    if (unreadable != null) {
      throw new InvalidRequestException(
          unreadable.field().isEmpty() ? "batch" : unreadable.field(), unreadable.reason());
    }
    boolean named = !request.getBatchId().isEmpty();
    String batchId = named ? request.getBatchId() : Ids.uuidV7();
    if (!CallBatch.BATCH_ID.matcher(batchId).matches()) {
      throw new InvalidRequestException(
          "batch_id", "must be 1 to 128 characters from [A-Za-z0-9._:-]");
    }
    if (request.getCallsCount() > config.maxBatchRecords()) {
      throw new InvalidRequestException(
          "calls",
          "a batch holds at most "
              + config.maxBatchRecords()
              + " records; got "
              + request.getCallsCount()
              + " (split it)");
    }
    Duration wait =
        rateLimiter.acquire(principal.keyId(), principal.plan(), request.getCallsCount());
    if (!wait.isZero()) {
      throw new RetryLaterException(
          RetryLaterException.Reason.OVERLOADED,
          "this API key sends more records per second than its rate limit allows",
          wait,
          null);
    }
    CallSink.OpenBatch batch = sink.open(batchId, named);
    int accepted = 0;
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
        result =
            CallValidator.Result.refused(
                "", "could not be read (" + t.getClass().getSimpleName() + ")");
      }
      if (result.accepted() && !principal.allows(Scope.INGEST, result.record().service())) {
        result =
            CallValidator.Result.refused(
                "service",
                "this API key may only send calls of service '" + principal.service() + "'");
      }
      if (result.accepted()) {
        // Outside the per-record guard: an unreadable store fails the batch (retryable).
        ServiceSettings.Settings settings =
            settingsByService.computeIfAbsent(result.record().service(), services::of);
        CallRecord record = null;
        try {
          record =
              stored.toStore(
                  result.record(),
                  settings.sensitiveHeaders(),
                  settings.fields(),
                  principal.customerId(),
                  principal.plan());
        } catch (MaskingFailedException e) {
          logger.warn(
              "Record {} of batch {}: {} {}", i, batchId, e.field(), e.getMessage(), e.getCause());
          result = CallValidator.Result.refused(e.field(), e.getMessage());
        }
        if (record != null) {
          // Encoded now, while the call is still in this CPU's caches.
          batch.add(record, settings.retentionDays());
          accepted++;
          continue;
        }
      }
      response.addRejections(
          Rejection.newBuilder().setIndex(i).setField(result.field()).setReason(result.reason()));
    }
    return new Prepared(
        response.setAccepted(accepted).setRejected(response.getRejectionsCount()).build(), batch);
  }
}
