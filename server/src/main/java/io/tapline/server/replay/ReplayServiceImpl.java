package io.tapline.server.replay;

import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.ListReplaysRequest;
import io.tapline.proto.v1.ListReplaysResponse;
import io.tapline.proto.v1.Replay;
import io.tapline.proto.v1.ReplayCallRequest;
import io.tapline.proto.v1.ReplayOverrides;
import io.tapline.proto.v1.ReplayServiceGrpc;
import io.tapline.server.FailedPreconditionException;
import io.tapline.server.InvalidRequestException;
import io.tapline.server.NotFoundException;
import io.tapline.server.auth.Principal;
import io.tapline.server.auth.Scope;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallStore;
import io.tapline.server.storage.ReplayRecord;
import io.tapline.server.storage.ReplayStore;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import io.tapline.server.storage.clickhouse.ClickHouseCallStore;
import io.tapline.server.storage.clickhouse.ClickHouseReplayStore;
import io.tapline.server.storage.clickhouse.ClickHouseServiceStore;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays recorded calls against their service and lists the replays of a call. Both need an
 * admin key or a replay key for the call's service. Runs on Armeria's blocking task executor:
 * a replay blocks for at most {@code replay.timeout}.
 */
public final class ReplayServiceImpl extends ReplayServiceGrpc.ReplayServiceImplBase
    implements AutoCloseable {

  /** Page size of ListReplays when the request gives none: {@value}. */
  public static final int DEFAULT_PAGE_SIZE = 20;
  /** Largest page size of ListReplays: {@value}. */
  public static final int MAX_PAGE_SIZE = 100;
  /** How long replays are kept when their service sets no retention: {@value} days. */
  public static final int DEFAULT_RETENTION_DAYS = 30;

  private static final Logger logger = LoggerFactory.getLogger(ReplayServiceImpl.class);

  private final CallStore calls;
  private final ServiceStore services;
  private final ReplayStore replays;
  private final Replayer replayer;
  private final Clock clock;

  public ReplayServiceImpl(
      CallStore calls,
      ServiceStore services,
      ReplayStore replays,
      TaplineConfig.Replay config,
      HostResolver resolver,
      Clock clock) {
    this.calls = calls;
    this.services = services;
    this.replays = replays;
    this.replayer =
        new Replayer(
            new TargetGuard(resolver),
            config.timeout(),
            config.maxResponseBytes(),
            config.maxRedirects());
    this.clock = clock;
  }

  /** The service on ClickHouse with the system resolver, as the server runs it. */
  public static ReplayServiceImpl create(DataSource dataSource, TaplineConfig.Replay config) {
    return new ReplayServiceImpl(
        new ClickHouseCallStore(dataSource),
        new ClickHouseServiceStore(dataSource),
        new ClickHouseReplayStore(dataSource),
        config,
        HostResolver.SYSTEM,
        Clock.systemUTC());
  }

  @Override
  public void replayCall(ReplayCallRequest request, StreamObserver<Replay> responseObserver) {
    if (request.getCallId().isEmpty()) {
      throw new InvalidRequestException("call_id", "is required");
    }
    Principal principal = Principal.current();
    CallRecord call =
        calls
            .get(request.getCallId())
            .orElseThrow(() -> new NotFoundException("No call with id " + request.getCallId()));
    principal.require(Scope.REPLAY, call.service());
    ServiceRecord service =
        services
            .get(call.service())
            .orElseThrow(
                () ->
                    new FailedPreconditionException(
                        "replay refused: service '" + call.service() + "' is not registered;"
                            + " register it with a base URL to replay its calls"));
    ReplayOverrides overrides = request.getOverrides();
    PreparedRequest prepared = ReplayRequests.prepare(call, overrides);
    Replayer.Outcome outcome;
    try {
      outcome = replayer.send(prepared, service, request.getFollowRedirects());
    } catch (FailedPreconditionException e) {
      logger.info("Replay of call {} by key {} refused: {}", call.id(), principal.keyId(),
          e.getMessage());
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
            prepared.recordedHeaders(),
            prepared.omittedHeaders(),
            prepared.omittedQueryParams(),
            usedOverrides(call, overrides, prepared),
            request.getFollowRedirects(),
            outcome.redirects(),
            outcome.statusCode(),
            maskSensitive(outcome.headers()),
            outcome.body(),
            outcome.bodySize(),
            outcome.truncated(),
            outcome.latencyMicros(),
            outcome.error(),
            compare(call, outcome),
            service.retentionDays() > 0 ? service.retentionDays() : DEFAULT_RETENTION_DAYS);
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
    ReplayStore.Page page = replays.list(request.getCallId(), pageSize, after);
    // The call may have expired while its replays remain: their service decides then.
    String service =
        calls
            .get(request.getCallId())
            .map(CallRecord::service)
            .or(() -> page.replays().stream().map(ReplayRecord::service).findFirst())
            .orElseThrow(() -> new NotFoundException("No call with id " + request.getCallId()));
    principal.require(Scope.REPLAY, service);
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
  private static ReplayRecord.Overrides usedOverrides(
      CallRecord call, ReplayOverrides o, PreparedRequest prepared) {
    Map<String, String> headers = new LinkedHashMap<>();
    o.getHeadersMap()
        .forEach(
            (name, value) -> {
              boolean fillsMask =
                  call.requestHeaders().entrySet().stream()
                      .anyMatch(h -> h.getKey().equalsIgnoreCase(name) && Masked.in(h.getValue()));
              headers.put(name, fillsMask || Sensitive.header(name) ? Masked.VALUE : value);
            });
    Map<String, String> query = new LinkedHashMap<>();
    o.getQueryParamsMap()
        .forEach(
            (name, value) ->
                query.put(
                    name, prepared.filledQueryParams().contains(name) ? Masked.VALUE : value));
    Map<String, String> bodyFields = new LinkedHashMap<>();
    o.getBodyFieldsMap().keySet().forEach(pointer -> bodyFields.put(pointer, Masked.VALUE));
    return new ReplayRecord.Overrides(
        o.getUrl(),
        o.getMethod(),
        headers,
        List.copyOf(o.getRemoveHeadersList()),
        query,
        bodyFields,
        o.hasBody());
  }

  private static Map<String, String> maskSensitive(Map<String, String> headers) {
    Map<String, String> masked = new LinkedHashMap<>();
    headers.forEach((k, v) -> masked.put(k, Sensitive.header(k) ? Masked.VALUE : v));
    return masked;
  }

  @Override
  public void close() {
    replayer.close();
  }
}
