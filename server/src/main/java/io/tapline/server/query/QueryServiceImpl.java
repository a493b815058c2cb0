package io.tapline.server.query;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.BreakdownGroup;
import io.tapline.proto.v1.ExportCallsRequest;
import io.tapline.proto.v1.ExportCallsResponse;
import io.tapline.proto.v1.GetBreakdownRequest;
import io.tapline.proto.v1.GetBreakdownResponse;
import io.tapline.proto.v1.GetCallRequest;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.GetMetricsResponse;
import io.tapline.proto.v1.GetTimeSeriesRequest;
import io.tapline.proto.v1.GetTimeSeriesResponse;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.SearchCallsResponse;
import io.tapline.proto.v1.TimeBucket;
import io.tapline.proto.v1.TimeSeries;
import io.tapline.server.api.CallIds;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Times;
import io.tapline.server.storage.BreakdownQuery;
import io.tapline.server.storage.BreakdownResult;
import io.tapline.server.storage.BreakdownSort;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.CallExport;
import io.tapline.server.storage.CallMetrics;
import io.tapline.server.storage.CallPage;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallStore;
import io.tapline.server.storage.Dimension;
import io.tapline.server.storage.MetricsQuery;
import io.tapline.server.storage.MetricsResult;
import io.tapline.server.storage.Names;
import io.tapline.server.storage.SearchOrder;
import io.tapline.server.storage.TimeSeriesQuery;
import io.tapline.server.storage.TimeSeriesResult;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Searches, reads and aggregates stored calls. Runs on Armeria's blocking task executor. Every
 * method applies the caller's service scope through {@link Filters}.
 */
public final class QueryServiceImpl extends QueryServiceGrpc.QueryServiceImplBase {

  /** Page size when the request gives none: {@value}. */
  public static final int DEFAULT_PAGE_SIZE = 50;

  /** Largest page size: {@value}. */
  public static final int MAX_PAGE_SIZE = 1000;

  /** How far back a search without start_time reaches. */
  public static final Duration DEFAULT_SEARCH_WINDOW = Duration.ofDays(7);

  /** How far back metrics, breakdowns and time series without start_time reach. */
  public static final Duration DEFAULT_ANALYTICS_WINDOW = Duration.ofHours(24);

  /** Breakdown groups before "other" when the request gives no limit: {@value}. */
  public static final int DEFAULT_BREAKDOWN_LIMIT = 10;

  /** Most breakdown groups before "other": {@value}. */
  public static final int MAX_BREAKDOWN_LIMIT = 1000;

  /** Quantile level a breakdown sorted by latency uses when the request gives none: {@value}. */
  public static final double DEFAULT_SORT_QUANTILE = 0.95;

  /** Series before "other" when a time series is split and no limit is given: {@value}. */
  public static final int DEFAULT_SERIES_LIMIT = 5;

  /** Most series before "other": {@value}. */
  public static final int MAX_SERIES_LIMIT = 50;

  /** Most extra quantile levels per request: {@value}. */
  public static final int MAX_EXTRA_QUANTILES = 20;

  /** Quantile levels always returned, as p50, p90, p95 and p99. */
  static final List<Double> STANDARD_LEVELS = List.of(0.5, 0.9, 0.95, 0.99);

  private final CallStore store;
  private final CallExport export;
  private final Clock clock;

  public QueryServiceImpl(CallStore store, CallExport export, Clock clock) {
    this.store = store;
    this.export = export;
    this.clock = clock;
  }

  /**
   * Streams the file ClickHouse writes, a chunk at a time and only as fast as the client takes
   * them: the next chunk is read when the stream is ready, so the server holds one chunk.
   */
  @Override
  public void exportCalls(
      ExportCallsRequest request, StreamObserver<ExportCallsResponse> responseObserver) {
    ServiceRequestContext.current().clearRequestTimeout();
    ServerCallStreamObserver<ExportCallsResponse> call =
        (ServerCallStreamObserver<ExportCallsResponse>) responseObserver;
    Semaphore ready = new Semaphore(0);
    call.setOnReadyHandler(ready::release);
    call.setOnCancelHandler(ready::release);
    Exports.Opened opened = Exports.open(export, request, Principal.current(), clock.instant());
    try (InputStream data = opened.data()) {
      byte[] chunk = new byte[Exports.CHUNK_BYTES];
      boolean first = true;
      while (true) {
        int read = data.readNBytes(chunk, 0, chunk.length);
        if (read == 0 && !first) {
          break;
        }
        while (!call.isReady()) {
          if (call.isCancelled()) {
            return;
          }
          ready.tryAcquire(1, TimeUnit.SECONDS);
        }
        ExportCallsResponse.Builder message =
            ExportCallsResponse.newBuilder().setData(ByteString.copyFrom(chunk, 0, read));
        if (first) {
          message
              .setSchemaVersion(CallExport.SCHEMA_VERSION)
              .setContentType(opened.format().mediaType)
              .addAllColumns(opened.columns());
          first = false;
        }
        call.onNext(message.build());
        if (read < chunk.length) {
          break;
        }
      }
    } catch (IOException e) {
      throw Status.UNAVAILABLE
          .withDescription("the export stopped: " + e.getMessage())
          .withCause(e)
          .asRuntimeException();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    }
    call.onCompleted();
  }

  @Override
  public void searchCalls(
      SearchCallsRequest request, StreamObserver<SearchCallsResponse> responseObserver) {
    int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : request.getPageSize();
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      throw new InvalidRequestException("page_size", "must be between 1 and " + MAX_PAGE_SIZE);
    }
    SearchOrder order =
        switch (request.getOrder()) {
          case SEARCH_ORDER_UNSPECIFIED, SEARCH_ORDER_NEWEST_FIRST -> SearchOrder.NEWEST_FIRST;
          case SEARCH_ORDER_OLDEST_FIRST -> SearchOrder.OLDEST_FIRST;
          case SEARCH_ORDER_SLOWEST_FIRST -> SearchOrder.SLOWEST_FIRST;
          case UNRECOGNIZED ->
              throw new InvalidRequestException(
                  "order", "unknown order " + request.getOrderValue());
        };
    PageTokens.Position position = PageTokens.decode(request.getPageToken(), order);
    CallCriteria criteria =
        Filters.toCriteria(
            request.getFilter(),
            Principal.current(),
            DEFAULT_SEARCH_WINDOW,
            clock.instant(),
            position == null ? null : position.windowStart());
    CallPage page =
        store.search(
            new CallQuery(criteria, order, pageSize, position == null ? null : position.cursor()));
    SearchCallsResponse.Builder response = SearchCallsResponse.newBuilder();
    page.calls().forEach(call -> response.addCalls(CallProtos.toProto(call)));
    response.setNextPageToken(PageTokens.encode(order, criteria.startTime(), page.next()));
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  @Override
  public void getCall(GetCallRequest request, StreamObserver<ApiCall> responseObserver) {
    if (request.getId().isEmpty()) {
      throw new InvalidRequestException("id", "is required");
    }
    String service = CallIds.service(Principal.current(), request.getService(), request.getId());
    ApiCall call =
        CallProtos.toProto(CallIds.one(store.withId(request.getId(), service), request.getId()));
    responseObserver.onNext(call);
    responseObserver.onCompleted();
  }

  @Override
  public void getMetrics(
      GetMetricsRequest request, StreamObserver<GetMetricsResponse> responseObserver) {
    List<Double> levels = levels(request.getQuantilesList(), "quantiles");
    CallCriteria criteria =
        Filters.analyticsCriteria(request.getFilter(), Principal.current(), clock.instant());
    MetricsResult result = store.metrics(new MetricsQuery(criteria, levels));
    GetMetricsResponse.Builder response =
        GetMetricsResponse.newBuilder()
            .setMetrics(MetricsProtos.toProto(result.total(), levels))
            .setStartTime(Times.timestamp(criteria.startTime()))
            .setEndTime(Times.timestamp(criteria.endTime()));
    Map<String, Double> byClass = new TreeMap<>();
    result
        .countByMethod()
        .forEach((method, count) -> response.putCountByMethod(method, Math.round(count)));
    result
        .countByStatus()
        .forEach(
            (status, count) -> {
              response.putCountByStatus(Integer.toString(status), Math.round(count));
              byClass.merge(status / 100 + "xx", count, Double::sum);
            });
    byClass.forEach(
        (statusClass, count) -> response.putCountByStatusClass(statusClass, Math.round(count)));
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  @Override
  public void getBreakdown(
      GetBreakdownRequest request, StreamObserver<GetBreakdownResponse> responseObserver) {
    if (request.getDimensionsCount() < 1 || request.getDimensionsCount() > 2) {
      throw new InvalidRequestException("dimensions", "give one or two dimensions");
    }
    List<Dimension> dimensions = new ArrayList<>();
    for (int i = 0; i < request.getDimensionsCount(); i++) {
      dimensions.add(
          MetricsProtos.dimension(
              request.getDimensions(i), request.getDimensionsValue(i), "dimensions"));
    }
    requireTagKey(dimensions.contains(Dimension.TAG), request.getTagKey());
    requireField(dimensions.contains(Dimension.FIELD), request.getField());
    int limit = request.getLimit() == 0 ? DEFAULT_BREAKDOWN_LIMIT : request.getLimit();
    if (limit < 1 || limit > MAX_BREAKDOWN_LIMIT) {
      throw new InvalidRequestException("limit", "must be between 1 and " + MAX_BREAKDOWN_LIMIT);
    }
    BreakdownSort sort =
        switch (request.getSort()) {
          case BREAKDOWN_SORT_UNSPECIFIED, BREAKDOWN_SORT_COUNT -> BreakdownSort.COUNT;
          case BREAKDOWN_SORT_ERRORS -> BreakdownSort.ERRORS;
          case BREAKDOWN_SORT_ERROR_RATE -> BreakdownSort.ERROR_RATE;
          case BREAKDOWN_SORT_LATENCY_QUANTILE -> BreakdownSort.LATENCY_QUANTILE;
          case UNRECOGNIZED ->
              throw new InvalidRequestException("sort", "unknown sort " + request.getSortValue());
        };
    double sortQuantile =
        request.getSortQuantile() == 0 ? DEFAULT_SORT_QUANTILE : request.getSortQuantile();
    if (!(sortQuantile > 0 && sortQuantile <= 1)) {
      throw new InvalidRequestException("sort_quantile", "must be in (0, 1]");
    }
    List<Double> levels = levels(request.getQuantilesList(), "quantiles");
    CallCriteria criteria =
        Filters.analyticsCriteria(request.getFilter(), Principal.current(), clock.instant());
    BreakdownResult result =
        store.breakdown(
            new BreakdownQuery(
                criteria,
                dimensions,
                request.getTagKey(),
                request.getField(),
                limit,
                sort,
                sortQuantile,
                levels));
    double total = result.groups().stream().mapToDouble(g -> g.metrics().count()).sum();
    GetBreakdownResponse.Builder response =
        GetBreakdownResponse.newBuilder()
            .setTotalCount(Math.round(total))
            .setStartTime(Times.timestamp(criteria.startTime()))
            .setEndTime(Times.timestamp(criteria.endTime()));
    for (BreakdownResult.Group group : result.groups()) {
      response.addGroups(
          BreakdownGroup.newBuilder()
              .addAllValues(group.values())
              .setMetrics(MetricsProtos.toProto(group.metrics(), levels))
              .setShare(total == 0 ? 0 : group.metrics().count() / total)
              .setOther(group.other()));
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  @Override
  public void getTimeSeries(
      GetTimeSeriesRequest request, StreamObserver<GetTimeSeriesResponse> responseObserver) {
    Dimension splitBy =
        request.getSplitByValue() == 0
            ? null
            : MetricsProtos.dimension(request.getSplitBy(), request.getSplitByValue(), "split_by");
    requireTagKey(splitBy == Dimension.TAG, request.getTagKey());
    requireField(splitBy == Dimension.FIELD, request.getField());
    int seriesLimit =
        request.getSeriesLimit() == 0 ? DEFAULT_SERIES_LIMIT : request.getSeriesLimit();
    if (seriesLimit < 1 || seriesLimit > MAX_SERIES_LIMIT) {
      throw new InvalidRequestException(
          "series_limit", "must be between 1 and " + MAX_SERIES_LIMIT);
    }
    List<Double> levels = levels(request.getQuantilesList(), "quantiles");
    CallCriteria requested =
        Filters.analyticsCriteria(request.getFilter(), Principal.current(), clock.instant());
    Buckets buckets =
        Buckets.of(requested.startTime(), requested.endTime(), request.getBucketSeconds());
    CallCriteria criteria = requested.withTimeRange(buckets.start(), buckets.end());
    TimeSeriesResult result =
        store.timeSeries(
            new TimeSeriesQuery(
                criteria,
                buckets.widthMicros(),
                splitBy,
                request.getTagKey(),
                request.getField(),
                seriesLimit,
                levels));
    GetTimeSeriesResponse.Builder response =
        GetTimeSeriesResponse.newBuilder()
            .setBucketSeconds(buckets.width().toSeconds())
            .setStartTime(Times.timestamp(buckets.start()))
            .setEndTime(Times.timestamp(buckets.end()));
    List<TimeSeriesResult.Series> series = new ArrayList<>(result.series());
    if (series.isEmpty() && splitBy == null) {
      series.add(new TimeSeriesResult.Series("", false, Map.of()));
    }
    CallMetrics empty = CallMetrics.empty(levels.size());
    for (TimeSeriesResult.Series s : series) {
      TimeSeries.Builder out = TimeSeries.newBuilder().setValue(s.value()).setOther(s.other());
      for (Instant at : buckets.starts()) {
        out.addBuckets(
            TimeBucket.newBuilder()
                .setStartTime(Times.timestamp(at))
                .setMetrics(MetricsProtos.toProto(s.buckets().getOrDefault(at, empty), levels)));
      }
      response.addSeries(out);
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  private static void requireField(boolean needed, String field) {
    if (needed && !Names.FIELD.matcher(field).matches()) {
      throw new InvalidRequestException(
          "field", "DIMENSION_FIELD needs the name of an extracted field (1 to 64 characters)");
    }
  }

  private static void requireTagKey(boolean needed, String tagKey) {
    if (needed && tagKey.isEmpty()) {
      throw new InvalidRequestException("tag_key", "is required to group by a tag");
    }
  }

  /** The standard levels followed by the requested ones, which must lie in [0, 1]. */
  private static List<Double> levels(List<Double> requested, String field) {
    if (requested.size() > MAX_EXTRA_QUANTILES) {
      throw new InvalidRequestException(field, "at most " + MAX_EXTRA_QUANTILES + " levels");
    }
    List<Double> levels = new ArrayList<>(STANDARD_LEVELS);
    for (double level : requested) {
      if (!(level >= 0 && level <= 1)) {
        throw new InvalidRequestException(field, "levels must be in [0, 1]; got " + level);
      }
      levels.add(level);
    }
    return levels;
  }
}
