package io.tapline.server.storage;

import java.util.List;

/** Datasets and the partitions written for them. */
public interface DatasetStore extends MetadataStore<DatasetRecord> {

  /** The partitions written for {@code dataset}, by day then service. */
  List<DatasetPartition> partitions(String dataset);

  /** Records a partition as written (again: the latest wins). */
  void recordPartition(DatasetPartition partition);
}
