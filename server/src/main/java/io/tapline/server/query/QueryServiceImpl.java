package io.tapline.server.query;

import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.GetCallRequest;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.proto.v1.SearchCallsResponse;
import io.tapline.server.InvalidRequestException;
import io.tapline.server.NotFoundException;
import io.tapline.server.storage.CallPage;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.CallStore;
import java.time.Instant;

/** Searches and reads stored calls. Runs on Armeria's blocking task executor. */
public final class QueryServiceImpl extends QueryServiceGrpc.QueryServiceImplBase {

  /** Page size when the request gives none: {@value}. */
  public static final int DEFAULT_PAGE_SIZE = 50;
  /** Largest page size: {@value}. */
  public static final int MAX_PAGE_SIZE = 1000;

  private final CallStore store;

  public QueryServiceImpl(CallStore store) {
    this.store = store;
  }

  @Override
  public void searchCalls(
      SearchCallsRequest request, StreamObserver<SearchCallsResponse> responseObserver) {
    int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : request.getPageSize();
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      throw new InvalidRequestException("page_size", "must be between 1 and " + MAX_PAGE_SIZE);
    }
    CallFilter filter = request.getFilter();
    Instant start = filter.hasStartTime() ? instant(filter.getStartTime()) : null;
    Instant end = filter.hasEndTime() ? instant(filter.getEndTime()) : null;
    if (start != null && end != null && !start.isBefore(end)) {
      throw new InvalidRequestException("filter.end_time", "must be after filter.start_time");
    }
    if (filter.getStatusCode() != 0
        && (filter.getStatusCode() < 100 || filter.getStatusCode() > 599)) {
      throw new InvalidRequestException("filter.status_code", "must be between 100 and 599");
    }
    CallPage page =
        store.search(
            new CallQuery(
                filter.getService(),
                start,
                end,
                filter.getStatusCode(),
                filter.getMethod(),
                filter.getRoute(),
                pageSize,
                PageTokens.decode(request.getPageToken())));
    SearchCallsResponse.Builder response = SearchCallsResponse.newBuilder();
    page.calls().forEach(call -> response.addCalls(CallProtos.toProto(call)));
    responseObserver.onNext(response.setNextPageToken(PageTokens.encode(page.next())).build());
    responseObserver.onCompleted();
  }

  @Override
  public void getCall(GetCallRequest request, StreamObserver<ApiCall> responseObserver) {
    if (request.getId().isEmpty()) {
      throw new InvalidRequestException("id", "is required");
    }
    ApiCall call =
        store
            .get(request.getId())
            .map(CallProtos::toProto)
            .orElseThrow(() -> new NotFoundException("No call with id " + request.getId()));
    responseObserver.onNext(call);
    responseObserver.onCompleted();
  }

  private static Instant instant(Timestamp ts) {
    return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
  }
}
