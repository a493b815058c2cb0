package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.AddLabelsRequest;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateDatasetRequest;
import io.tapline.proto.v1.Dataset;
import io.tapline.proto.v1.DatasetPartition;
import io.tapline.proto.v1.DatasetServiceGrpc;
import io.tapline.proto.v1.ExportFormat;
import io.tapline.proto.v1.GetDatasetRequest;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.LabelInput;
import io.tapline.proto.v1.LabelServiceGrpc;
import io.tapline.proto.v1.S3Destination;
import io.tapline.server.testing.DuckDb;
import io.tapline.server.testing.TestTapline;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Datasets written by the real server: one folder per service and closed day with a manifest, read
 * back by DuckDB; each day written once; labels joined; a local S3-compatible server (S3Proxy, in
 * memory, on loopback) as a destination; and the checks on what a dataset may be.
 */
class DatasetsIT {

  private static final Path ROOT = temporaryFolder();

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline()
          .withFlags(
              "--datasets.root=" + ROOT,
              "--datasets.interval=500ms",
              "--datasets.lateness=0s",
              // The local S3 server on loopback; nothing else is allowed.
              "--outbound.allowed-hosts=127.0.0.1");

  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  private static final LocalDate FIRST = TODAY.minusDays(2);
  private static final LocalDate SECOND = TODAY.minusDays(1);

  /** Calls per (service, day): a is busier than b; b has no calls on the first day. */
  private static final Map<String, Integer> COUNTS =
      Map.of("a/" + FIRST, 120, "a/" + SECOND, 80, "b/" + SECOND, 30);

  private static BlobStoreContext blobs;
  private static S3Proxy s3;
  private static DatasetServiceGrpc.DatasetServiceBlockingStub datasets;

  private static Path temporaryFolder() {
    try {
      return Files.createTempDirectory("tapline-datasets");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @BeforeAll
  static void ingest() throws Exception {
    List<ApiCall> calls = new ArrayList<>();
    for (Map.Entry<String, Integer> e : COUNTS.entrySet()) {
      String service = e.getKey().split("/")[0];
      LocalDate day = LocalDate.parse(e.getKey().split("/")[1]);
      for (int i = 0; i < e.getValue(); i++) {
        Instant at = day.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(60L * i + 30);
        calls.add(
            ApiCall.newBuilder()
                .setId(service + "-" + day + "-" + i)
                .setTimestamp(Timestamp.newBuilder().setSeconds(at.getEpochSecond()))
                .setService(service)
                .setMethod("GET")
                .setUrl("https://api.example.com/things/" + i + "?token=s3cret")
                .setStatusCode(i % 10 == 0 ? 500 : 200)
                .setLatencyMs(i)
                .build());
      }
    }
    // Today's calls: not written until the day closes.
    calls.add(
        calls.getFirst().toBuilder()
            .setId("today")
            .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 5))
            .build());
    IngestServiceGrpc.newBlockingStub(tapline.channel())
        .ingest(IngestRequest.newBuilder().addAllCalls(calls).build());
    LabelServiceGrpc.newBlockingStub(tapline.channel())
        .addLabels(
            AddLabelsRequest.newBuilder()
                .addLabels(
                    LabelInput.newBuilder()
                        .setService("a")
                        .setCallId("a-" + SECOND + "-7")
                        .setName("reviewed")
                        .setValue("ok")
                        .setSource("human:ann"))
                .build());
    blobs =
        ContextBuilder.newBuilder("transient-nio2")
            .credentials("tapline", "tapline")
            .build(BlobStoreContext.class);
    blobs.getBlobStore().createContainerInLocation(null, "lake");
    s3 =
        S3Proxy.builder()
            .blobStore(blobs.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.NONE, "", "")
            .ignoreUnknownHeaders(true)
            .build();
    s3.start();
    await().until(() -> "STARTED".equals(s3.getState()));
    datasets = DatasetServiceGrpc.newBlockingStub(tapline.channel());
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.stop();
    }
    if (blobs != null) {
      blobs.close();
    }
  }

  private static Dataset awaitWritten(String name) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                datasets
                    .getDataset(GetDatasetRequest.newBuilder().setName(name).build())
                    .getWrittenThrough()
                    .equals(SECOND.toString()));
    return datasets.getDataset(GetDatasetRequest.newBuilder().setName(name).build());
  }

  @Test
  void writesOneFolderPerServiceAndClosedDayWithAManifest() throws Exception {
    datasets.createDataset(
        CreateDatasetRequest.newBuilder()
            .setDataset(
                Dataset.newBuilder()
                    .setName("all-calls")
                    .setStartDate(FIRST.toString())
                    .setWithLabels(true))
            .build());
    Dataset written = awaitWritten("all-calls");
    Map<String, Long> rows = new TreeMap<>();
    for (DatasetPartition p : written.getPartitionsList()) {
      rows.put(p.getService() + "/" + p.getDate(), p.getFiles(0).getRows());
      assertThat(p.getFiles(0).getPath())
          .isEqualTo(p.getService() + "/" + p.getDate() + "/part-00000.parquet");
    }
    assertThat(rows)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("a/" + FIRST, 120L, "a/" + SECOND, 80L, "b/" + SECOND, 30L));

    Path folder = ROOT.resolve("all-calls");
    JsonNode manifest = new ObjectMapper().readTree(folder.resolve("manifest.json").toFile());
    assertThat(manifest.get("schema_version").asInt()).isEqualTo(2);
    assertThat(manifest.get("written_through").asText()).isEqualTo(SECOND.toString());
    assertThat(manifest.get("columns").toString()).contains("\"latency_ms\"", "\"labels\"");
    for (JsonNode partition : manifest.get("partitions")) {
      JsonNode file = partition.get("files").get(0);
      Path parquet = folder.resolve(file.get("path").asText());
      // Every file holds the rows the manifest says, all of its service and day.
      assertThat(DuckDb.number("SELECT count(*) FROM read_parquet('" + parquet + "')"))
          .isEqualTo(file.get("rows").asLong());
      assertThat(
              DuckDb.number(
                  "SELECT count(*) FROM read_parquet('"
                      + parquet
                      + "') WHERE service = '"
                      + partition.get("service").asText()
                      + "' AND CAST(timestamp AS DATE) = DATE '"
                      + partition.get("date").asText()
                      + "'"))
          .isEqualTo(file.get("rows").asLong());
    }
    String all = "read_parquet('" + folder + "/*/*/*.parquet')";
    assertThat(DuckDb.number("SELECT count(*) FROM " + all)).isEqualTo(230);
    assertThat(DuckDb.number("SELECT count(*) FROM " + all + " WHERE url LIKE '%s3cret%'"))
        .isZero();
    assertThat(DuckDb.number("SELECT count(*) FROM " + all + " WHERE labels['reviewed'] = 'ok'"))
        .isEqualTo(1);

    // Written once: later looks leave the files and the partitions as they are.
    long modified =
        Files.getLastModifiedTime(folder.resolve("a/" + FIRST + "/part-00000.parquet")).toMillis();
    Thread.sleep(1500);
    assertThat(
            datasets
                .getDataset(GetDatasetRequest.newBuilder().setName("all-calls").build())
                .getPartitionsList())
        .isEqualTo(written.getPartitionsList());
    assertThat(
            Files.getLastModifiedTime(folder.resolve("a/" + FIRST + "/part-00000.parquet"))
                .toMillis())
        .isEqualTo(modified);
    try (var files = Files.walk(folder)) {
      assertThat(files.filter(f -> f.toString().endsWith(".partial")).count()).isZero();
    }
  }

  @Test
  void aFilteredCsvDatasetHasOnlyItsCalls() throws Exception {
    datasets.createDataset(
        CreateDatasetRequest.newBuilder()
            .setDataset(
                Dataset.newBuilder()
                    .setName("a-errors")
                    .setStartDate(FIRST.toString())
                    .setFilter(CallFilter.newBuilder().setService("a").setHasError(true))
                    .setFormat(ExportFormat.EXPORT_FORMAT_CSV)
                    .addColumns("id")
                    .addColumns("status_code"))
            .build());
    Dataset written = awaitWritten("a-errors");
    assertThat(written.getPartitionsList())
        .extracting(p -> p.getService() + "/" + p.getDate() + "=" + p.getFiles(0).getRows())
        .containsExactly("a/" + FIRST + "=12", "a/" + SECOND + "=8");
    Path csv = ROOT.resolve("a-errors/a/" + FIRST + "/part-00000.csv");
    assertThat(Files.readAllLines(csv).getFirst()).isEqualTo("\"id\",\"status_code\"");
    assertThat(
            DuckDb.number("SELECT count(*) FROM read_csv('" + csv + "') WHERE status_code = 500"))
        .isEqualTo(12);
  }

  @Test
  void writesToS3CompatibleStorage() throws Exception {
    datasets.createDataset(
        CreateDatasetRequest.newBuilder()
            .setDataset(
                Dataset.newBuilder()
                    .setName("to-s3")
                    .setStartDate(SECOND.toString())
                    .setFilter(CallFilter.newBuilder().setService("b"))
                    .setS3(
                        S3Destination.newBuilder()
                            .setUrl("http://127.0.0.1:" + s3.getPort() + "/lake/exports/")))
            .build());
    awaitWritten("to-s3");
    BlobStore store = blobs.getBlobStore();
    Blob file = store.getBlob("lake", "exports/to-s3/b/" + SECOND + "/part-00000.parquet");
    assertThat(file).isNotNull();
    Path local = Files.createTempFile("from-s3", ".parquet");
    try (InputStream in = file.getPayload().openStream()) {
      Files.write(local, in.readAllBytes());
    }
    assertThat(DuckDb.number("SELECT count(*) FROM read_parquet('" + local + "')")).isEqualTo(30);
    Blob manifest = store.getBlob("lake", "exports/to-s3/manifest.json");
    try (InputStream in = manifest.getPayload().openStream()) {
      JsonNode json = new ObjectMapper().readTree(in);
      assertThat(json.get("partitions").get(0).get("files").get(0).get("rows").asLong())
          .isEqualTo(30);
    }
  }

  @Test
  void refusesWhatADatasetMayNotBe() {
    for (var bad :
        List.of(
            Map.entry(
                Dataset.newBuilder()
                    .setName("x")
                    .setFilter(
                        CallFilter.newBuilder().setStartTime(Timestamp.newBuilder().setSeconds(1))),
                "dataset.filter"),
            Map.entry(Dataset.newBuilder().setName("../up"), "dataset.name"),
            Map.entry(Dataset.newBuilder().setName("x").addColumns("nope"), "dataset.columns"),
            Map.entry(
                Dataset.newBuilder()
                    .setName("x")
                    .setS3(
                        S3Destination.newBuilder()
                            .setUrl("https://bucket.example.com/p")
                            .setAccessKeyIdEnv("HOME")
                            .setSecretAccessKeyEnv("PATH")),
                "TAPLINE_S3_"),
            // A private address: refused by the outbound guard's decision, nothing is sent.
            Map.entry(
                Dataset.newBuilder()
                    .setName("x")
                    .setS3(S3Destination.newBuilder().setUrl("http://10.0.0.1:9000/bucket")),
                "outbound guard"))) {
      assertThatThrownBy(
              () ->
                  datasets.createDataset(
                      CreateDatasetRequest.newBuilder().setDataset(bad.getKey()).build()))
          .hasMessageContaining(bad.getValue());
    }
    String reader = tapline.newKey(Set.of("read"), "");
    assertThatThrownBy(
            () ->
                DatasetServiceGrpc.newBlockingStub(tapline.channel(reader))
                    .createDataset(
                        CreateDatasetRequest.newBuilder()
                            .setDataset(Dataset.newBuilder().setName("mine"))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }
}
