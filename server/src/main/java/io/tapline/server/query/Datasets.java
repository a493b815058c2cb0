package io.tapline.server.query;

import io.tapline.proto.v1.Dataset;
import io.tapline.proto.v1.DatasetFile;
import io.tapline.proto.v1.DatasetPartition;
import io.tapline.proto.v1.ExportFormat;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.JsonCodec;
import io.tapline.server.api.Times;
import io.tapline.server.storage.CallExport;
import io.tapline.server.storage.DatasetRecord;
import io.tapline.server.storage.Names;
import java.net.URI;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** What DatasetService and the DatasetWriter share: checking a dataset, its files' names. */
final class Datasets {

  /** Environment variables a dataset may name for its S3 credentials start with this. */
  static final String CREDENTIALS_PREFIX = "TAPLINE_S3_";

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]+");

  private Datasets() {}

  /** The dataset as stored: checked, with its defaults, without its output-only fields. */
  static Dataset checked(Dataset d, List<String> schema, LocalDate today) {
    if (!Names.NAME.matcher(d.getName()).matches()) {
      throw new InvalidRequestException(
          "dataset.name", "must be 1 to 128 characters from [A-Za-z0-9._-]");
    }
    if (d.getFilter().hasStartTime() || d.getFilter().hasEndTime()) {
      throw new InvalidRequestException(
          "dataset.filter", "a dataset's days are the writer's: give no start_time or end_time");
    }
    Exports.checkColumns(d.getColumnsList(), schema, "dataset.columns");
    Exports.format(d.getFormat(), "dataset.format");
    Dataset.Builder b = d.toBuilder().clearCreateTime().clearWrittenThrough().clearPartitions();
    if (d.getFormat() == ExportFormat.EXPORT_FORMAT_UNSPECIFIED) {
      b.setFormat(ExportFormat.EXPORT_FORMAT_PARQUET);
    }
    if (d.getStartDate().isEmpty()) {
      b.setStartDate(today.toString());
    } else {
      try {
        LocalDate.parse(d.getStartDate());
      } catch (DateTimeParseException e) {
        throw new InvalidRequestException("dataset.start_date", "must be a date: yyyy-mm-dd");
      }
    }
    if (d.hasS3()) {
      var s3 = d.getS3();
      URI url;
      try {
        url = URI.create(s3.getUrl());
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException("dataset.s3.url", "is not a URL");
      }
      if (!("https".equals(url.getScheme()) || "http".equals(url.getScheme()))
          || url.getHost() == null) {
        throw new InvalidRequestException("dataset.s3.url", "must be an http or https URL");
      }
      if (s3.getAccessKeyIdEnv().isEmpty() != s3.getSecretAccessKeyEnv().isEmpty()) {
        throw new InvalidRequestException(
            "dataset.s3", "name both credential variables, or neither for a public bucket");
      }
      for (String env : List.of(s3.getAccessKeyIdEnv(), s3.getSecretAccessKeyEnv())) {
        if (!env.isEmpty()
            && !(env.startsWith(CREDENTIALS_PREFIX) && SAFE.matcher(env).matches())) {
          throw new InvalidRequestException(
              "dataset.s3",
              "credentials are environment variables of the server whose names start with "
                  + CREDENTIALS_PREFIX);
        }
      }
    } else {
      b.setLocal(io.tapline.proto.v1.LocalDestination.getDefaultInstance());
    }
    return b.build();
  }

  static Dataset parse(DatasetRecord record) {
    return JsonCodec.parse(record.definition(), Dataset.newBuilder()).build();
  }

  /**
   * A folder name for a service: itself when it is made of letters, digits and {@code ._-} (and is
   * not "." or ".."), else percent-encoded, so no name can leave the dataset's folder.
   */
  static String folder(String service) {
    if (SAFE.matcher(service).matches() && !service.equals(".") && !service.equals("..")) {
      return service;
    }
    StringBuilder out = new StringBuilder();
    for (byte b : service.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 0x80 && SAFE.matcher(String.valueOf(c)).matches() && c != '.') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /**
   * The dataset with what is written of it: the files of each service and day, and the last day
   * written (the latest day marked whole).
   */
  static Dataset withPartitions(
      Dataset d, List<io.tapline.server.storage.DatasetPartition> partitions) {
    Dataset.Builder b = d.toBuilder().clearPartitions().clearWrittenThrough();
    for (io.tapline.server.storage.DatasetPartition p : partitions) {
      if (p.dayMark()) {
        if (p.day().toString().compareTo(b.getWrittenThrough()) > 0) {
          b.setWrittenThrough(p.day().toString());
        }
        continue;
      }
      DatasetPartition.Builder partition =
          DatasetPartition.newBuilder()
              .setService(p.service())
              .setDate(p.day().toString())
              .setWriteTime(Times.timestamp(p.writtenAt()));
      for (int i = 0; i < p.files().size(); i++) {
        partition.addFiles(
            DatasetFile.newBuilder().setPath(p.files().get(i)).setRows(p.rows().get(i)));
      }
      b.addPartitions(partition);
    }
    return b.build();
  }

  /** The manifest of a dataset's folder, as JSON, from the dataset {@link #withPartitions}. */
  static String manifest(Dataset d, List<String> columns) {
    List<Map<String, Object>> partitions = new ArrayList<>();
    for (DatasetPartition p : d.getPartitionsList()) {
      Map<String, Object> partition = new LinkedHashMap<>();
      partition.put("service", p.getService());
      partition.put("date", p.getDate());
      partition.put(
          "files",
          p.getFilesList().stream()
              .map(f -> Map.<String, Object>of("path", f.getPath(), "rows", f.getRows()))
              .toList());
      partition.put("written_at", Times.instant(p.getWriteTime(), "write_time").toString());
      partitions.add(partition);
    }
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("dataset", d.getName());
    manifest.put("schema_version", CallExport.SCHEMA_VERSION);
    manifest.put("format", Exports.format(d.getFormat(), "format").extension);
    manifest.put("columns", columns);
    manifest.put("written_through", d.getWrittenThrough());
    manifest.put("partitions", partitions);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
}
