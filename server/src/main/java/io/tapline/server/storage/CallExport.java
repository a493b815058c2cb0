package io.tapline.server.storage;

import java.io.InputStream;
import java.util.List;

/**
 * Calls as a file the store encodes itself (Parquet, CSV or JSON Lines), read as a stream: nothing
 * is held in memory but the stream's buffer, whatever the number of calls.
 */
public interface CallExport {

  /** The version of the exported columns' names, types and meaning; raised on any change. */
  int SCHEMA_VERSION = 2;

  /** The column of each call's latest labels, by name, in an export that asks for them. */
  String LABELS = "labels";

  /** A file format: the store's name for it, its media type and its usual file extension. */
  enum Format {
    PARQUET("application/vnd.apache.parquet", "parquet"),
    CSV("text/csv; charset=utf-8", "csv"),
    JSON_LINES("application/x-ndjson", "jsonl");

    public final String mediaType;
    public final String extension;

    Format(String mediaType, String extension) {
      this.mediaType = mediaType;
      this.extension = extension;
    }
  }

  /** The columns of the export schema, in their order. */
  List<String> columns();

  /**
   * The calls {@code criteria} selects, ordered by service and time, with {@code columns} (names
   * from {@link #columns()}, in that order; all when empty) and, {@code withLabels}, a last column
   * {@link #LABELS}, encoded as {@code format}. Closing the stream stops the query.
   *
   * @throws IllegalArgumentException when a column is not in the schema
   * @throws RetryLaterException when the store cannot be reached
   */
  InputStream open(CallCriteria criteria, Format format, List<String> columns, boolean withLabels);

  /**
   * An object of S3-compatible storage: its URL and the credentials to write it with (both empty
   * for none).
   */
  record S3Object(String url, String accessKeyId, String secretAccessKey) {}

  /**
   * Has the store write the same file as {@link #open} straight to {@code target}, replacing it.
   *
   * @throws RetryLaterException when the store cannot be reached or cannot write the object
   */
  void copyTo(
      S3Object target,
      CallCriteria criteria,
      Format format,
      List<String> columns,
      boolean withLabels);

  /** Has the store write {@code content} (a manifest, say) to {@code target}, replacing it. */
  void put(S3Object target, String content);
}
