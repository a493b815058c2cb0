package io.tapline.server.query;

import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.DeleteDriftBaselineRequest;
import io.tapline.proto.v1.DeleteDriftBaselineResponse;
import io.tapline.proto.v1.DriftBaseline;
import io.tapline.proto.v1.DriftServiceGrpc;
import io.tapline.proto.v1.FeatureDrift;
import io.tapline.proto.v1.FeatureHistogram;
import io.tapline.proto.v1.GetDriftRequest;
import io.tapline.proto.v1.GetDriftResponse;
import io.tapline.proto.v1.ListDriftBaselinesRequest;
import io.tapline.proto.v1.ListDriftBaselinesResponse;
import io.tapline.proto.v1.SaveDriftBaselineRequest;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.JsonCodec;
import io.tapline.server.api.NotFoundException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.api.Times;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.DriftBaselineRecord;
import io.tapline.server.storage.DriftBaselineStore;
import io.tapline.server.storage.DriftFeature;
import io.tapline.server.storage.DriftHistogram;
import io.tapline.server.storage.DriftResult;
import io.tapline.server.storage.DriftStore;
import io.tapline.server.storage.FieldRule;
import io.tapline.server.storage.Names;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Drift between a reference and a current window of one service's calls, and the baselines that
 * freeze a reference. The store computes histograms and scores; this checks the request, resolves
 * the features against the service's extracted fields and applies the caller's scope. Runs on
 * Armeria's blocking task executor.
 */
public final class DriftServiceImpl extends DriftServiceGrpc.DriftServiceImplBase {

  public static final int MAX_FEATURES = 20;

  private final DriftStore drift;
  private final DriftBaselineStore baselines;
  private final ServiceStore services;
  private final Clock clock;

  public DriftServiceImpl(
      DriftStore drift, DriftBaselineStore baselines, ServiceStore services, Clock clock) {
    this.drift = drift;
    this.baselines = baselines;
    this.services = services;
    this.clock = clock;
  }

  @Override
  public void getDrift(GetDriftRequest request, StreamObserver<GetDriftResponse> response) {
    Principal principal = Principal.current();
    String service = requireService(request.getFilter(), principal);
    CallCriteria current =
        Filters.analyticsCriteria(request.getFilter(), principal, clock.instant());
    List<DriftHistogram> reference;
    Instant referenceStart;
    Instant referenceEnd;
    if (!request.getBaseline().isEmpty()) {
      DriftBaselineRecord baseline =
          baselines
              .get(DriftBaselineRecord.id(service, request.getBaseline()))
              .orElseThrow(() -> noBaseline(request.getBaseline(), service));
      reference = chosen(baseline.histograms(), request.getFeaturesList());
      CallFilter filter = JsonCodec.parse(baseline.filter(), CallFilter.newBuilder()).build();
      referenceStart = Times.instant(filter.getStartTime(), "baseline.filter.start_time");
      referenceEnd = Times.instant(filter.getEndTime(), "baseline.filter.end_time");
    } else {
      if (!request.hasReferenceStartTime() || !request.hasReferenceEndTime()) {
        throw new InvalidRequestException(
            "reference_start_time",
            "give the reference window (reference_start_time and reference_end_time) or a"
                + " baseline");
      }
      referenceStart = Times.instant(request.getReferenceStartTime(), "reference_start_time");
      referenceEnd = Times.instant(request.getReferenceEndTime(), "reference_end_time");
      if (!referenceStart.isBefore(referenceEnd)) {
        throw new InvalidRequestException(
            "reference_end_time", "must be after reference_start_time");
      }
      reference =
          drift.reference(
              current.withTimeRange(referenceStart, referenceEnd),
              features(service, request.getFeaturesList(), "features"),
              bins(request.getBins(), "bins"),
              categories(request.getCategories(), "categories"));
    }
    GetDriftResponse.Builder out =
        GetDriftResponse.newBuilder()
            .setReferenceStartTime(Times.timestamp(referenceStart))
            .setReferenceEndTime(Times.timestamp(referenceEnd))
            .setCurrentStartTime(Times.timestamp(current.startTime()))
            .setCurrentEndTime(Times.timestamp(current.endTime()));
    for (DriftResult result : drift.compare(current, reference)) {
      FeatureDrift.Builder feature =
          FeatureDrift.newBuilder()
              .setFeature(result.reference().feature().name())
              .setReference(toProto(result.reference()))
              .setCurrent(toProto(result.current()));
      if (result.psi() != null) {
        feature.setPsi(result.psi());
      }
      if (result.jensenShannon() != null) {
        feature.setJensenShannon(result.jensenShannon());
      }
      if (result.ks() != null) {
        feature.setKs(result.ks());
      }
      if (result.wasserstein() != null) {
        feature.setWasserstein(result.wasserstein());
      }
      out.addFeatures(feature);
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void saveDriftBaseline(
      SaveDriftBaselineRequest request, StreamObserver<DriftBaseline> response) {
    Principal principal = Principal.current();
    String service = requireService(request.getFilter(), principal);
    principal.require(Scope.ADMIN, service);
    if (!Names.NAME.matcher(request.getName()).matches()) {
      throw new InvalidRequestException("name", "must be 1 to 128 characters from [A-Za-z0-9._-]");
    }
    if (!request.getFilter().hasStartTime() || !request.getFilter().hasEndTime()) {
      throw new InvalidRequestException(
          "filter.start_time", "a baseline's window needs start_time and end_time");
    }
    CallCriteria criteria =
        Filters.analyticsCriteria(request.getFilter(), principal, clock.instant());
    List<DriftHistogram> histograms =
        drift.reference(
            criteria,
            features(service, request.getFeaturesList(), "features"),
            bins(request.getBins(), "bins"),
            categories(request.getCategories(), "categories"));
    DriftBaselineRecord baseline =
        new DriftBaselineRecord(
            service,
            request.getName(),
            JsonCodec.print(request.getFilter().toBuilder().setService(service).build()),
            histograms,
            clock.instant());
    baselines.put(baseline);
    response.onNext(toProto(baseline));
    response.onCompleted();
  }

  @Override
  public void listDriftBaselines(
      ListDriftBaselinesRequest request, StreamObserver<ListDriftBaselinesResponse> response) {
    Principal principal = Principal.current();
    String service = Filters.scopedService(request.getService(), principal);
    ListDriftBaselinesResponse.Builder out = ListDriftBaselinesResponse.newBuilder();
    for (DriftBaselineRecord baseline : baselines.list()) {
      if ((service.isEmpty() || baseline.service().equals(service))
          && principal.allows(Scope.READ, baseline.service())) {
        out.addBaselines(toProto(baseline));
      }
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void deleteDriftBaseline(
      DeleteDriftBaselineRequest request, StreamObserver<DeleteDriftBaselineResponse> response) {
    Principal principal = Principal.current();
    String service = Filters.scopedService(request.getService(), principal);
    if (service.isEmpty()) {
      throw new InvalidRequestException("service", "name the baseline's service");
    }
    principal.require(Scope.ADMIN, service);
    String id = DriftBaselineRecord.id(service, request.getName());
    if (baselines.get(id).isEmpty()) {
      throw noBaseline(request.getName(), service);
    }
    baselines.delete(id);
    response.onNext(DeleteDriftBaselineResponse.getDefaultInstance());
    response.onCompleted();
  }

  private static NotFoundException noBaseline(String name, String service) {
    return new NotFoundException("no drift baseline '" + name + "' for service '" + service + "'");
  }

  private static String requireService(CallFilter filter, Principal principal) {
    String service = Filters.scopedService(filter.getService(), principal);
    if (service.isEmpty()) {
      throw new InvalidRequestException(
          "filter.service", "drift compares the calls of one service: name it");
    }
    return service;
  }

  /** The requested features of {@code service}, resolved against its extracted fields. */
  private List<DriftFeature> features(String service, List<String> names, String field) {
    return features(services, service, names, field);
  }

  /**
   * The features named, of {@code service} as {@code services} describes it.
   *
   * @throws InvalidRequestException naming {@code field} for an unknown feature, or when there are
   *     none or more than {@value #MAX_FEATURES}
   */
  static List<DriftFeature> features(
      ServiceStore services, String service, List<String> names, String field) {
    if (names.isEmpty() || names.size() > MAX_FEATURES) {
      throw new InvalidRequestException(field, "give 1 to " + MAX_FEATURES + " features");
    }
    List<FieldRule> fields = services.get(service).map(ServiceRecord::fields).orElse(List.of());
    List<DriftFeature> features = new ArrayList<>();
    for (String name : new LinkedHashSet<>(names)) {
      try {
        features.add(DriftFeature.of(name, fields));
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException(field, e.getMessage());
      }
    }
    return features;
  }

  /** The baseline's histograms of the requested features (all when none is requested). */
  private static List<DriftHistogram> chosen(List<DriftHistogram> saved, List<String> names) {
    if (names.isEmpty()) {
      return saved;
    }
    Map<String, DriftHistogram> byName =
        saved.stream()
            .collect(Collectors.toMap(h -> h.feature().name(), Function.identity(), (a, b) -> a));
    List<DriftHistogram> chosen = new ArrayList<>();
    for (String name : new LinkedHashSet<>(names)) {
      DriftHistogram h = byName.get(name);
      if (h == null) {
        throw new InvalidRequestException(
            "features", "the baseline has no feature '" + name + "': it has " + byName.keySet());
      }
      chosen.add(h);
    }
    return chosen;
  }

  static int bins(int requested, String field) {
    int bins = requested == 0 ? DriftStore.DEFAULT_BINS : requested;
    if (bins < 2 || bins > DriftStore.MAX_BINS) {
      throw new InvalidRequestException(field, "must be between 2 and " + DriftStore.MAX_BINS);
    }
    return bins;
  }

  static int categories(int requested, String field) {
    int categories = requested == 0 ? DriftStore.DEFAULT_CATEGORIES : requested;
    if (categories < 1 || categories > DriftStore.MAX_CATEGORIES) {
      throw new InvalidRequestException(
          field, "must be between 1 and " + DriftStore.MAX_CATEGORIES);
    }
    return categories;
  }

  static FeatureHistogram toProto(DriftHistogram h) {
    return FeatureHistogram.newBuilder()
        .setFeature(h.feature().name())
        .setNumeric(h.feature().numeric())
        .addAllEdges(h.edges())
        .setMin(h.min())
        .setMax(h.max())
        .addAllCategories(h.categories())
        .addAllCounts(h.counts())
        .setTotal(h.total())
        .build();
  }

  private static DriftBaseline toProto(DriftBaselineRecord b) {
    return DriftBaseline.newBuilder()
        .setName(b.name())
        .setService(b.service())
        .setFilter(JsonCodec.parse(b.filter(), CallFilter.newBuilder()))
        .addAllHistograms(b.histograms().stream().map(DriftServiceImpl::toProto).toList())
        .setCreateTime(Times.timestamp(b.createdAt()))
        .build();
  }
}
