package io.tapline.server.replay;

import io.grpc.stub.StreamObserver;
import io.tapline.masking.Masker;
import io.tapline.masking.SensitiveNames;
import io.tapline.proto.v1.ListReplaysRequest;
import io.tapline.proto.v1.ListReplaysResponse;
import io.tapline.proto.v1.Replay;
import io.tapline.proto.v1.ReplayCallRequest;
import io.tapline.proto.v1.ReplayOverrides;
import io.tapline.proto.v1.ReplayServiceGrpc;
import io.tapline.server.api.CallIds;
import io.tapline.server.api.FailedPreconditionException;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallStore;
import io.tapline.server.storage.ReplayRecord;
import io.tapline.server.storage.ReplayStore;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays recorded calls against their service and lists the replays of a call. Both need an admin
 * key or a replay key for the call's service. Runs on Armeria's blocking task executor: a replay
 * blocks for at most {@code replay.timeout}.
 */
public final class ReplayServiceImpl extends ReplayServiceGrpc.ReplayServiceImplBase
    implements AutoCloseable {

  /** Page size of ListReplays when the request gives none: {@value}. */
  public static final int DEFAULT_PAGE_SIZE = 20;

  /** Largest page size of ListReplays: {@value}. */
  public static final int MAX_PAGE_SIZE = 100;

  private static final Logger logger = LoggerFactory.getLogger(ReplayServiceImpl.class);

  private final CallStore calls;
  private final ServiceStore services;
  private final ReplayStore replays;
  private final Replayer replayer;
  private final Masker masker;
  private final int defaultRetentionDays;
  private final Clock clock;

  public ReplayServiceImpl(
      CallStore calls,
      ServiceStore services,
      ReplayStore replays,
      TaplineConfig.Replay config,
      Masker masker,
      int defaultRetentionDays,
      OutboundGuard guard,
      Clock clock) {
    this.calls = calls;
    this.services = services;
    this.replays = replays;
    this.masker = masker;
    this.defaultRetentionDays = defaultRetentionDays;
    this.replayer =
        new Replayer(
            new TargetGuard(guard),
            config.timeout(),
            config.maxResponseBytes(),
            config.maxRedirects(),
            masker);
    this.clock = clock;
  }

  @Override
  public void replayCall(ReplayCallRequest request, StreamObserver<Replay> responseObserver) {
    if (request.getCallId().isEmpty()) {
      throw new InvalidRequestException("call_id", "is required");
    }
    Principal principal = Principal.current();
    String scope = CallIds.service(principal, request.getService(), request.getCallId());
    CallRecord call = CallIds.one(calls.withId(request.getCallId(), scope), request.getCallId());
    principal.require(Scope.REPLAY, call.service());
    ServiceRecord service =
        services
            .get(call.service())
            .orElseThrow(
                () ->
                    new FailedPreconditionException(
                        "replay refused: service '"
                            + call.service()
                            + "' is not registered;"
                            + " register it with a base URL to replay its calls"));
    ReplayOverrides overrides = request.getOverrides();
    SensitiveNames serviceHeaders = SensitiveNames.of(service.sensitiveHeaders());
    PreparedRequest prepared = ReplayRequests.prepare(call, overrides);
    Replayer.Outcome outcome;
    try {
      outcome =
          masked(replayer.send(prepared, service, request.getFollowRedirects()), serviceHeaders);
    } catch (FailedPreconditionException e) {
      logger.info(
          "Replay of call {} by key {} refused: {}", call.id(), principal.keyId(), e.getMessage());
      throw e;
    }
    ReplayRecord record =
        new ReplayRecord(
            UUID.randomUUID().toString(),
            call.id(),
            call.service(),
            // Stored with microsecond precision; the reply says what a later read will.
            clock.instant().truncatedTo(ChronoUnit.MICROS),
            principal.keyId(),
            prepared.method(),
            prepared.recordedUrl(),
            masker.headers(prepared.recordedHeaders(), serviceHeaders),
            prepared.omittedHeaders(),
            prepared.omittedQueryParams(),
            usedOverrides(call, overrides, prepared, serviceHeaders),
            request.getFollowRedirects(),
            outcome.redirects(),
            outcome.statusCode(),
            outcome.headers(),
            outcome.body(),
            outcome.bodySize(),
            outcome.truncated(),
            outcome.latencyMicros(),
            outcome.error(),
            compare(call, outcome),
            service.retentionDays() > 0 ? service.retentionDays() : defaultRetentionDays);
    replays.write(record);
    responseObserver.onNext(ReplayProtos.toProto(record));
    responseObserver.onCompleted();
  }

  @Override
  public void listReplays(
      ListReplaysRequest request, StreamObserver<ListReplaysResponse> responseObserver) {
    if (request.getCallId().isEmpty()) {
      throw new InvalidRequestException("call_id", "is required");
    }
    int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : request.getPageSize();
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      throw new InvalidRequestException("page_size", "must be between 1 and " + MAX_PAGE_SIZE);
    }
    ReplayStore.Cursor after = ReplayPageTokens.decode(request.getPageToken());
    Principal principal = Principal.current();
    String callId = request.getCallId();
    String service = CallIds.service(principal, request.getService(), callId);
    if (service.isEmpty()) {
      // An admin naming no service: the call's own, or, once the call expired, its replays'.
      List<String> services = calls.withId(callId, "").stream().map(CallRecord::service).toList();
      if (services.isEmpty()) {
        services = replays.servicesWithReplaysOf(callId);
      }
      if (services.size() > 1) {
        throw CallIds.ambiguous(callId, services);
      }
      service = services.isEmpty() ? "" : services.getFirst();
    }
    principal.require(Scope.REPLAY, service);
    ReplayStore.Page page = replays.list(service, callId, pageSize, after);
    if (page.replays().isEmpty() && after == null && calls.withId(callId, service).isEmpty()) {
      throw CallIds.notFound(callId);
    }
    ListReplaysResponse.Builder response = ListReplaysResponse.newBuilder();
    page.replays().forEach(r -> response.addReplays(ReplayProtos.toProto(r)));
    responseObserver.onNext(
        response.setNextPageToken(ReplayPageTokens.encode(page.next())).build());
    responseObserver.onCompleted();
  }

  static ReplayRecord.Comparison compare(CallRecord call, Replayer.Outcome outcome) {
    StringBuilder note = new StringBuilder();
    if (outcome.statusCode() == 0) {
      note.append("no response was received; ");
    }
    if (call.responseBodyTruncated()) {
      note.append("the original body was cut at ingest; ");
    }
    if (outcome.truncated()) {
      note.append("the replay body was cut at replay.max-response-bytes; ");
    }
    String text = note.isEmpty() ? "" : note.substring(0, note.length() - 2);
    return new ReplayRecord.Comparison(
        call.statusCode() != outcome.statusCode(),
        call.statusCode(),
        outcome.statusCode(),
        outcome.latencyMicros() - call.latencyMicros(),
        BodyDiffer.diff(call.responseBody(), outcome.body(), text));
  }

  /** The overrides as kept: values that filled masked fields, and any body, are not. */
  private ReplayRecord.Overrides usedOverrides(
      CallRecord call, ReplayOverrides o, PreparedRequest prepared, SensitiveNames serviceHeaders) {
    Map<String, String> headers = new LinkedHashMap<>();
    o.getHeadersMap()
        .forEach(
            (name, value) -> {
              boolean fillsMask =
                  call.requestHeaders().entrySet().stream()
                      .anyMatch(
                          h -> h.getKey().equalsIgnoreCase(name) && Masker.holdsMask(h.getValue()));
              boolean sensitive = masker.isSensitiveHeader(name, serviceHeaders);
              headers.put(name, fillsMask || sensitive ? Masker.MASKED : value);
            });
    Map<String, String> query = new LinkedHashMap<>();
    o.getQueryParamsMap()
        .forEach(
            (name, value) ->
                query.put(
                    name, prepared.filledQueryParams().contains(name) ? Masker.MASKED : value));
    Map<String, String> bodyFields = new LinkedHashMap<>();
    o.getBodyFieldsMap().keySet().forEach(pointer -> bodyFields.put(pointer, Masker.MASKED));
    return new ReplayRecord.Overrides(
        o.getUrl(),
        o.getMethod(),
        headers,
        List.copyOf(o.getRemoveHeadersList()),
        query,
        bodyFields,
        o.hasBody());
  }

  /** The response as it may be stored and shown: masked like any recorded call. */
  private Replayer.Outcome masked(Replayer.Outcome o, SensitiveNames serviceHeaders) {
    return new Replayer.Outcome(
        o.statusCode(),
        masker.headers(o.headers(), serviceHeaders),
        masker.body(o.body(), Masker.contentType(o.headers())),
        o.bodySize(),
        o.truncated(),
        o.latencyMicros(),
        masker.text(o.error()),
        o.redirects());
  }

  @Override
  public void close() {
    replayer.close();
  }
}
