package io.tapline.server.storage;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * The files written for one service and day of a dataset; an empty service marks the whole day
 * written.
 *
 * @param files paths relative to the dataset's folder
 * @param rows the calls in each file, in the order of {@code files}
 */
public record DatasetPartition(
    String dataset,
    LocalDate day,
    String service,
    List<String> files,
    List<Long> rows,
    Instant writtenAt) {

  public DatasetPartition {
    files = List.copyOf(files);
    rows = List.copyOf(rows);
  }

  /** Whether this row marks its whole day written. */
  public boolean dayMark() {
    return service.isEmpty();
  }
}
