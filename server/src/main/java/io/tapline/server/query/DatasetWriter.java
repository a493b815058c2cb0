package io.tapline.server.query;

import io.tapline.proto.v1.Dataset;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.api.Times;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.storage.BreakdownQuery;
import io.tapline.server.storage.BreakdownResult;
import io.tapline.server.storage.BreakdownSort;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.CallExport;
import io.tapline.server.storage.CallStore;
import io.tapline.server.storage.DatasetPartition;
import io.tapline.server.storage.DatasetRecord;
import io.tapline.server.storage.DatasetStore;
import io.tapline.server.storage.Dimension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes datasets: every {@code datasets.interval}, each day of each dataset that has closed
 * ({@code datasets.lateness} after midnight UTC) and is not written yet, one file per service with
 * calls that day, then the day's mark and the manifest. A partition is recorded once its file is in
 * place (a local file is written beside and moved into place), so a failure leaves the partition to
 * be written again at the next look, never a half file in the manifest. One thread: datasets are
 * written one after the other.
 */
public final class DatasetWriter implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(DatasetWriter.class);

  /** The writer reads with every scope: a dataset's creator was an admin. */
  private static final Principal WRITER =
      new Principal("dataset-writer", Set.of(Scope.ADMIN), "", "", "");

  /** Services per day the writer can see: {@value} (the breakdown's largest limit). */
  static final int MAX_SERVICES = QueryServiceImpl.MAX_BREAKDOWN_LIMIT;

  private final DatasetStore datasets;
  private final CallStore calls;
  private final CallExport export;
  private final OutboundGuard guard;
  private final TaplineConfig.Datasets config;
  private final Map<String, String> env;
  private final Clock clock;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("tapline-datasets").daemon().factory());

  /**
   * @param env where S3 credentials are looked up (the process environment)
   */
  public DatasetWriter(
      DatasetStore datasets,
      CallStore calls,
      CallExport export,
      OutboundGuard guard,
      TaplineConfig.Datasets config,
      Map<String, String> env,
      Clock clock) {
    this.datasets = datasets;
    this.calls = calls;
    this.export = export;
    this.guard = guard;
    this.config = config;
    this.env = Map.copyOf(env);
    this.clock = clock;
  }

  public void start() {
    long every = config.interval().toMillis();
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            writeDue();
          } catch (RuntimeException e) {
            logger.warn("Writing datasets failed: {}", e.getMessage());
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
  }

  /** Writes every closed day not written yet; returns the partitions written. */
  int writeDue() {
    LocalDate lastClosed =
        clock.instant().minus(config.lateness()).atZone(ZoneOffset.UTC).toLocalDate().minusDays(1);
    int written = 0;
    for (DatasetRecord record : datasets.list()) {
      try {
        written += write(Datasets.parse(record), lastClosed);
      } catch (RuntimeException e) {
        // Left for the next look; other datasets go on.
        logger.warn("Dataset {} could not be written: {}", record.name(), e.getMessage());
      }
    }
    return written;
  }

  private int write(Dataset d, LocalDate lastClosed) {
    List<DatasetPartition> partitions = new ArrayList<>(datasets.partitions(d.getName()));
    Set<LocalDate> done = new HashSet<>();
    Set<String> written = new HashSet<>();
    for (DatasetPartition p : partitions) {
      if (p.dayMark()) {
        done.add(p.day());
      } else {
        written.add(p.day() + "/" + p.service());
      }
    }
    int count = 0;
    for (LocalDate day = LocalDate.parse(d.getStartDate());
        !day.isAfter(lastClosed);
        day = day.plusDays(1)) {
      if (done.contains(day)) {
        continue;
      }
      CallCriteria criteria = criteria(d, day, "");
      for (Map.Entry<String, Long> service : services(criteria).entrySet()) {
        if (service.getValue() == 0 || written.contains(day + "/" + service.getKey())) {
          continue;
        }
        String path =
            Datasets.folder(service.getKey())
                + "/"
                + day
                + "/part-00000."
                + Exports.format(d.getFormat(), "format").extension;
        writeFile(d, path, criteria(d, day, service.getKey()));
        DatasetPartition partition =
            new DatasetPartition(
                d.getName(),
                day,
                service.getKey(),
                List.of(path),
                List.of(service.getValue()),
                clock.instant());
        datasets.recordPartition(partition);
        partitions.add(partition);
        count++;
      }
      DatasetPartition mark =
          new DatasetPartition(d.getName(), day, "", List.of(), List.of(), clock.instant());
      datasets.recordPartition(mark);
      partitions.add(mark);
      writeManifest(d, partitions);
    }
    return count;
  }

  /** The dataset's calls of one day (and of one service, when {@code service} is not empty). */
  private CallCriteria criteria(Dataset d, LocalDate day, String service) {
    Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
    var filter =
        d.getFilter().toBuilder()
            .setStartTime(Times.timestamp(start))
            .setEndTime(Times.timestamp(start.plusSeconds(86_400)));
    if (!service.isEmpty()) {
      filter.setService(service);
    }
    return Filters.analyticsCriteria(filter.build(), WRITER, clock.instant());
  }

  /** The services with calls in {@code criteria}, and how many, by name. */
  private Map<String, Long> services(CallCriteria criteria) {
    BreakdownResult result =
        calls.breakdown(
            new BreakdownQuery(
                criteria,
                List.of(Dimension.SERVICE),
                "",
                "",
                MAX_SERVICES,
                BreakdownSort.COUNT,
                QueryServiceImpl.DEFAULT_SORT_QUANTILE,
                List.of()));
    Map<String, Long> services = new TreeMap<>();
    for (BreakdownResult.Group group : result.groups()) {
      if (!group.other()) {
        services.put(group.values().getFirst(), group.metrics().recorded());
      }
    }
    return services;
  }

  private void writeFile(Dataset d, String path, CallCriteria criteria) {
    CallExport.Format format = Exports.format(d.getFormat(), "format");
    if (d.hasS3()) {
      export.copyTo(s3Object(d, path), criteria, format, d.getColumnsList(), d.getWithLabels());
      return;
    }
    writeLocal(
        d,
        path,
        out -> {
          try (InputStream in =
              export.open(criteria, format, d.getColumnsList(), d.getWithLabels())) {
            in.transferTo(out);
          }
        });
  }

  private void writeManifest(Dataset d, List<DatasetPartition> partitions) {
    String manifest =
        Datasets.manifest(
            Datasets.withPartitions(d, partitions),
            Exports.columnsOf(export.columns(), d.getColumnsList(), d.getWithLabels()));
    if (d.hasS3()) {
      export.put(s3Object(d, "manifest.json"), manifest);
      return;
    }
    writeLocal(d, "manifest.json", out -> out.write(manifest.getBytes(StandardCharsets.UTF_8)));
  }

  /** What writes a file's bytes. */
  @FunctionalInterface
  private interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code path} of the dataset's local folder: beside its final name, then moved into
   * place, so that a reader never sees half a file.
   */
  private void writeLocal(Dataset d, String path, Content content) {
    Path folder = localFolder(d);
    Path target = folder.resolve(path).normalize();
    if (!target.startsWith(folder)) {
      throw new IllegalStateException("a file name left the dataset's folder: " + path);
    }
    Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
    try {
      Files.createDirectories(target.getParent());
      try (OutputStream out = Files.newOutputStream(partial)) {
        content.writeTo(out);
      }
      Files.move(
          partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + target + " failed", e);
    }
  }

  private Path localFolder(Dataset d) {
    return config.root().toAbsolutePath().normalize().resolve(d.getName());
  }

  /** An object of the dataset's S3 folder, checked by the outbound guard, with its credentials. */
  private CallExport.S3Object s3Object(Dataset d, String path) {
    String base = d.getS3().getUrl().replaceAll("/+$", "");
    String url = base + "/" + d.getName() + "/" + path;
    guard.check(URI.create(url));
    String keyId = "";
    String secret = "";
    if (!d.getS3().getAccessKeyIdEnv().isEmpty()) {
      keyId = env.get(d.getS3().getAccessKeyIdEnv());
      secret = env.get(d.getS3().getSecretAccessKeyEnv());
      if (keyId == null || secret == null) {
        throw new IllegalStateException(
            "the server's environment has no "
                + d.getS3().getAccessKeyIdEnv()
                + " or "
                + d.getS3().getSecretAccessKeyEnv());
      }
    }
    return new CallExport.S3Object(url, keyId, secret);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
