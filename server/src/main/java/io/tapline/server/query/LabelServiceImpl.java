package io.tapline.server.query;

import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.AddLabelsRequest;
import io.tapline.proto.v1.AddLabelsResponse;
import io.tapline.proto.v1.GetLabelCountsRequest;
import io.tapline.proto.v1.GetLabelCountsResponse;
import io.tapline.proto.v1.GetRelabelQueueRequest;
import io.tapline.proto.v1.GetRelabelQueueResponse;
import io.tapline.proto.v1.Label;
import io.tapline.proto.v1.LabelInput;
import io.tapline.proto.v1.LabelResult;
import io.tapline.proto.v1.LabelServiceGrpc;
import io.tapline.proto.v1.ListCallLabelsRequest;
import io.tapline.proto.v1.ListCallLabelsResponse;
import io.tapline.proto.v1.QueuedCall;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.api.Times;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.DriftFeature;
import io.tapline.server.storage.LabelRecord;
import io.tapline.server.storage.LabelStore;
import io.tapline.server.storage.Names;
import io.tapline.server.storage.ServiceStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Labels on calls: attaching them (by call id or by correlation), reading a call's history,
 * counting labelled calls and drawing relabelling queues. Adding needs the ingest or admin scope
 * for the labels' service, reading the read scope; every read applies the caller's service scope
 * through {@link Filters}. Runs on Armeria's blocking task executor.
 */
public final class LabelServiceImpl extends LabelServiceGrpc.LabelServiceImplBase {

  public static final int MAX_LABELS = 1000;

  /** Calls one correlated label may reach: {@value}. */
  public static final int MAX_CALLS_PER_LABEL = 1000;

  public static final int MAX_VALUE_CHARS = 1024;

  public static final int MAX_SOURCE_CHARS = 128;

  /** How far back correlations look when the request gives no range. */
  public static final Duration DEFAULT_SEARCH = Duration.ofDays(7);

  private static final int DEFAULT_PER_STRATUM = 10;
  private static final int DEFAULT_QUEUE = 100;
  private static final int MAX_QUEUE = 1000;

  private final LabelStore labels;
  private final ServiceStore services;
  private final Clock clock;

  public LabelServiceImpl(LabelStore labels, ServiceStore services, Clock clock) {
    this.labels = labels;
    this.services = services;
    this.clock = clock;
  }

  /**
   * Each label is checked on its own: a bad one is reported in its result and the others are
   * stored, all in one insert.
   */
  @Override
  public void addLabels(AddLabelsRequest request, StreamObserver<AddLabelsResponse> response) {
    Principal principal = Principal.current();
    if (request.getLabelsCount() > MAX_LABELS) {
      throw new InvalidRequestException(
          "labels",
          "at most " + MAX_LABELS + " labels per request; got " + request.getLabelsCount());
    }
    Instant now = clock.instant();
    Instant to =
        request.hasSearchEndTime()
            ? Times.instant(request.getSearchEndTime(), "search_end_time")
            : now;
    Instant from =
        request.hasSearchStartTime()
            ? Times.instant(request.getSearchStartTime(), "search_start_time")
            : to.minus(DEFAULT_SEARCH);
    // Checked first; then the calls of correlated labels found with one statement per service,
    // kind and key.
    List<String> problems = new ArrayList<>();
    Map<Correlated, Set<String>> wanted = new LinkedHashMap<>();
    for (LabelInput label : request.getLabelsList()) {
      String problem = problem(label, principal);
      problems.add(problem);
      if (problem == null && label.hasCorrelation()) {
        wanted
            .computeIfAbsent(Correlated.of(label), c -> new LinkedHashSet<>())
            .add(label.getCorrelation().getValue());
      }
    }
    Map<Correlated, Map<String, List<String>>> found = new HashMap<>();
    wanted.forEach(
        (c, values) ->
            found.put(
                c,
                labels.resolve(
                    c.service(), c.kind(), c.key(), values, from, to, MAX_CALLS_PER_LABEL)));
    List<LabelRecord> stored = new ArrayList<>();
    AddLabelsResponse.Builder out = AddLabelsResponse.newBuilder();
    for (int i = 0; i < request.getLabelsCount(); i++) {
      LabelInput label = request.getLabels(i);
      if (problems.get(i) != null) {
        out.addResults(LabelResult.newBuilder().setError(problems.get(i)));
        continue;
      }
      List<String> ids =
          label.hasCorrelation()
              ? found
                  .get(Correlated.of(label))
                  .getOrDefault(label.getCorrelation().getValue(), List.of())
              : List.of(label.getCallId());
      Instant labelledAt =
          label.hasLabelTime() ? Times.instant(label.getLabelTime(), "label_time") : now;
      for (String id : ids) {
        stored.add(
            new LabelRecord(
                label.getService(),
                id,
                label.getName(),
                label.getValue(),
                label.getSource(),
                labelledAt,
                null));
      }
      out.addResults(LabelResult.newBuilder().setCalls(ids.size()));
    }
    labels.add(stored);
    response.onNext(out.build());
    response.onCompleted();
  }

  /** Why a label cannot be stored, or null. */
  private static String problem(LabelInput label, Principal principal) {
    if (!Names.NAME.matcher(label.getService()).matches()) {
      return "service: is required (1 to 128 characters from [A-Za-z0-9._-])";
    }
    if (!principal.allows(Scope.INGEST, label.getService())) {
      return "service: this API key may not label calls of service '" + label.getService() + "'";
    }
    if (!Names.FIELD.matcher(label.getName()).matches()) {
      return "name: must be 1 to 64 characters from [A-Za-z0-9._-]";
    }
    if (label.getValue().length() > MAX_VALUE_CHARS) {
      return "value: at most " + MAX_VALUE_CHARS + " characters";
    }
    if (label.getSource().length() > MAX_SOURCE_CHARS) {
      return "source: at most " + MAX_SOURCE_CHARS + " characters";
    }
    boolean byId = !label.getCallId().isEmpty();
    if (byId == label.hasCorrelation()) {
      return "give a call_id or a correlation, one of them";
    }
    if (label.hasCorrelation()) {
      var c = label.getCorrelation();
      if (c.getValue().isEmpty()) {
        return "correlation.value: is required";
      }
      switch (c.getKind()) {
        case CORRELATION_KIND_TRACE_ID -> {}
        case CORRELATION_KIND_REQUEST_HEADER, CORRELATION_KIND_FIELD -> {
          if (c.getKey().isEmpty()) {
            return "correlation.key: name the header or the field";
          }
        }
        default -> {
          return "correlation.kind: must be TRACE_ID, REQUEST_HEADER or FIELD";
        }
      }
    }
    return null;
  }

  /** What finds the calls of a correlated label, but its value. */
  private record Correlated(String service, LabelStore.Correlation kind, String key) {

    static Correlated of(LabelInput label) {
      var c = label.getCorrelation();
      LabelStore.Correlation kind =
          switch (c.getKind()) {
            case CORRELATION_KIND_REQUEST_HEADER -> LabelStore.Correlation.REQUEST_HEADER;
            case CORRELATION_KIND_FIELD -> LabelStore.Correlation.FIELD;
            default -> LabelStore.Correlation.TRACE_ID;
          };
      return new Correlated(
          label.getService(), kind, kind == LabelStore.Correlation.TRACE_ID ? "" : c.getKey());
    }
  }

  @Override
  public void listCallLabels(
      ListCallLabelsRequest request, StreamObserver<ListCallLabelsResponse> response) {
    if (request.getService().isEmpty()) {
      throw new InvalidRequestException("service", "name the call's service");
    }
    Principal.current().require(Scope.READ, request.getService());
    ListCallLabelsResponse.Builder out = ListCallLabelsResponse.newBuilder();
    Set<String> seen = new HashSet<>();
    // Newest first: the first of each name is its latest.
    for (LabelRecord label : labels.history(request.getService(), request.getCallId())) {
      out.addLabels(
          Label.newBuilder()
              .setService(label.service())
              .setCallId(label.callId())
              .setName(label.name())
              .setValue(label.value())
              .setSource(label.source())
              .setLabelTime(Times.timestamp(label.labelledAt()))
              .setReceiveTime(Times.timestamp(label.receivedAt()))
              .setLatest(seen.add(label.name())));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void getLabelCounts(
      GetLabelCountsRequest request, StreamObserver<GetLabelCountsResponse> response) {
    CallCriteria criteria = readable(request.getName(), request.getFilter());
    GetLabelCountsResponse.Builder out = GetLabelCountsResponse.newBuilder();
    for (Map.Entry<String, Long> count : labels.counts(criteria, request.getName()).entrySet()) {
      if (count.getKey() == null) {
        out.setUnlabelled(count.getValue());
      } else {
        out.setLabelled(out.getLabelled() + count.getValue());
        out.putByValue(count.getKey(), count.getValue());
      }
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void getRelabelQueue(
      GetRelabelQueueRequest request, StreamObserver<GetRelabelQueueResponse> response) {
    CallCriteria criteria = readable(request.getName(), request.getFilter());
    int perStratum = request.getPerStratum() == 0 ? DEFAULT_PER_STRATUM : request.getPerStratum();
    int limit = request.getLimit() == 0 ? DEFAULT_QUEUE : request.getLimit();
    if (perStratum < 1 || perStratum > MAX_QUEUE) {
      throw new InvalidRequestException("per_stratum", "must be between 1 and " + MAX_QUEUE);
    }
    if (limit < 1 || limit > MAX_QUEUE) {
      throw new InvalidRequestException("limit", "must be between 1 and " + MAX_QUEUE);
    }
    DriftFeature stratum = null;
    if (!request.getStratifyBy().isEmpty()) {
      stratum =
          DriftServiceImpl.features(
                  services, criteria.service(), List.of(request.getStratifyBy()), "stratify_by")
              .getFirst();
      if (stratum.numeric()) {
        throw new InvalidRequestException(
            "stratify_by", "stratify by a categorical feature; " + stratum.name() + " is numeric");
      }
    }
    GetRelabelQueueResponse.Builder out = GetRelabelQueueResponse.newBuilder();
    for (LabelStore.Queued queued :
        labels.queue(
            criteria,
            request.getName(),
            stratum,
            stratum == null ? limit : perStratum,
            limit,
            request.getSeed())) {
      out.addCalls(
          QueuedCall.newBuilder()
              .setCall(CallProtos.toProto(queued.call()))
              .setStratum(queued.stratum()));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  /**
   * The calls a read of label {@code name} looks at: the name checked, the read scope required and
   * the caller's service scope applied.
   */
  private CallCriteria readable(String name, io.tapline.proto.v1.CallFilter filter) {
    if (!Names.FIELD.matcher(name).matches()) {
      throw new InvalidRequestException("name", "must be 1 to 64 characters from [A-Za-z0-9._-]");
    }
    Principal principal = Principal.current();
    if (!principal.has(Scope.READ)) {
      throw principal.denied(Scope.READ, principal.serviceRestriction());
    }
    return Filters.analyticsCriteria(filter, principal, clock.instant());
  }
}
