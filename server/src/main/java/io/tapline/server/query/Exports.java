package io.tapline.server.query;

import io.tapline.proto.v1.ExportCallsRequest;
import io.tapline.proto.v1.ExportFormat;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.Principal;
import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.CallExport;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/** An export request checked and opened: what ExportCalls and the HTTP download share. */
final class Exports {

  /** Bytes of one ExportCalls message: {@value}. */
  static final int CHUNK_BYTES = 1 << 20;

  private Exports() {}

  /** An open export: its bytes (to close), their format and columns. */
  record Opened(InputStream data, CallExport.Format format, List<String> columns) {}

  /**
   * Opens the export {@code request} asks for, as {@code principal} may see it.
   *
   * @throws InvalidRequestException for an unknown format or column, or a bad filter
   */
  static Opened open(
      CallExport export, ExportCallsRequest request, Principal principal, Instant now) {
    CallExport.Format format = format(request.getFormat(), "format");
    List<String> schema = export.columns();
    List<String> columns = request.getColumnsList();
    checkColumns(columns, schema, "columns");
    CallCriteria criteria = Filters.analyticsCriteria(request.getFilter(), principal, now);
    return new Opened(
        export.open(criteria, format, columns, request.getWithLabels()),
        format,
        columnsOf(schema, columns, request.getWithLabels()));
  }

  /** The file format of an export; unset is Parquet. */
  static CallExport.Format format(ExportFormat format, String field) {
    return switch (format) {
      case EXPORT_FORMAT_UNSPECIFIED, EXPORT_FORMAT_PARQUET -> CallExport.Format.PARQUET;
      case EXPORT_FORMAT_CSV -> CallExport.Format.CSV;
      case EXPORT_FORMAT_JSON_LINES -> CallExport.Format.JSON_LINES;
      case UNRECOGNIZED -> throw new InvalidRequestException(field, "unknown format");
    };
  }

  /** Checks that {@code columns} are columns of the export schema, each named once. */
  static void checkColumns(List<String> columns, List<String> schema, String field) {
    for (String column : columns) {
      if (!schema.contains(column)) {
        throw new InvalidRequestException(
            field, "no column '" + column + "' in the export schema; it has " + schema);
      }
    }
    if (new HashSet<>(columns).size() != columns.size()) {
      throw new InvalidRequestException(field, "names a column twice");
    }
  }

  /** The columns of the file: those asked for (all when none), then the labels when asked. */
  static List<String> columnsOf(List<String> schema, List<String> columns, boolean withLabels) {
    List<String> described = new ArrayList<>(columns.isEmpty() ? schema : columns);
    if (withLabels) {
      described.add(CallExport.LABELS);
    }
    return described;
  }
}
