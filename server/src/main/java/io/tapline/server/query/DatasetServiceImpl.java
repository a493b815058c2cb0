package io.tapline.server.query;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.CreateDatasetRequest;
import io.tapline.proto.v1.Dataset;
import io.tapline.proto.v1.DatasetServiceGrpc;
import io.tapline.proto.v1.DeleteDatasetRequest;
import io.tapline.proto.v1.DeleteDatasetResponse;
import io.tapline.proto.v1.GetDatasetRequest;
import io.tapline.proto.v1.ListDatasetsRequest;
import io.tapline.proto.v1.ListDatasetsResponse;
import io.tapline.server.api.JsonCodec;
import io.tapline.server.api.NotFoundException;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.api.Times;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.outbound.OutboundRefusedException;
import io.tapline.server.storage.CallExport;
import io.tapline.server.storage.DatasetRecord;
import io.tapline.server.storage.DatasetStore;
import java.net.URI;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Datasets: saved exports that the {@link DatasetWriter} writes. Creating and deleting need an
 * admin key (a dataset may span services); reading needs read, and a key bound to a service sees
 * only the datasets whose filter names it. Runs on Armeria's blocking task executor.
 */
public final class DatasetServiceImpl extends DatasetServiceGrpc.DatasetServiceImplBase {

  private final DatasetStore datasets;
  private final CallExport export;
  private final OutboundGuard guard;
  private final Clock clock;

  public DatasetServiceImpl(
      DatasetStore datasets, CallExport export, OutboundGuard guard, Clock clock) {
    this.datasets = datasets;
    this.export = export;
    this.guard = guard;
    this.clock = clock;
  }

  @Override
  public void createDataset(CreateDatasetRequest request, StreamObserver<Dataset> response) {
    Principal principal = Principal.current();
    if (!principal.isAdmin()) {
      throw principal.denied(Scope.ADMIN, request.getDataset().getFilter().getService());
    }
    Dataset d =
        Datasets.checked(
            request.getDataset(), export.columns(), LocalDate.now(clock.withZone(ZoneOffset.UTC)));
    // The filter is checked as a search's would be.
    Filters.analyticsCriteria(d.getFilter(), principal, clock.instant());
    if (d.hasS3()) {
      try {
        guard.check(URI.create(d.getS3().getUrl()));
      } catch (OutboundRefusedException e) {
        throw new io.tapline.server.api.InvalidRequestException(
            "dataset.s3.url", "refused by the outbound guard: " + e.getMessage());
      }
    }
    if (datasets.get(d.getName()).isPresent()) {
      throw Status.ALREADY_EXISTS
          .withDescription("dataset '" + d.getName() + "' exists; delete it first")
          .asRuntimeException();
    }
    DatasetRecord record = new DatasetRecord(d.getName(), JsonCodec.print(d), clock.instant());
    datasets.put(record);
    response.onNext(withState(record));
    response.onCompleted();
  }

  @Override
  public void getDataset(GetDatasetRequest request, StreamObserver<Dataset> response) {
    Dataset d = withState(find(request.getName()));
    requireVisible(d);
    response.onNext(d);
    response.onCompleted();
  }

  @Override
  public void listDatasets(
      ListDatasetsRequest request, StreamObserver<ListDatasetsResponse> response) {
    Principal principal = Principal.current();
    ListDatasetsResponse.Builder out = ListDatasetsResponse.newBuilder();
    for (DatasetRecord record : datasets.list()) {
      Dataset d = Datasets.parse(record);
      if (principal.allows(Scope.READ, d.getFilter().getService())) {
        out.addDatasets(d.toBuilder().setCreateTime(Times.timestamp(record.createdAt())));
      }
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void deleteDataset(
      DeleteDatasetRequest request, StreamObserver<DeleteDatasetResponse> response) {
    Principal principal = Principal.current();
    if (!principal.isAdmin()) {
      throw principal.denied(Scope.ADMIN, "");
    }
    find(request.getName());
    datasets.delete(request.getName());
    response.onNext(DeleteDatasetResponse.getDefaultInstance());
    response.onCompleted();
  }

  private DatasetRecord find(String name) {
    return datasets.get(name).orElseThrow(() -> new NotFoundException("no dataset '" + name + "'"));
  }

  private static void requireVisible(Dataset d) {
    Principal principal = Principal.current();
    if (!principal.allows(Scope.READ, d.getFilter().getService())) {
      throw principal.denied(Scope.READ, d.getFilter().getService());
    }
  }

  /** The dataset with its partitions and the last day written. */
  private Dataset withState(DatasetRecord record) {
    return Datasets.withPartitions(
        Datasets.parse(record).toBuilder()
            .setCreateTime(Times.timestamp(record.createdAt()))
            .build(),
        datasets.partitions(record.name()));
  }
}
