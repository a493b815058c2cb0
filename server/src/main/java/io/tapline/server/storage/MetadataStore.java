package io.tapline.server.storage;

import java.util.List;
import java.util.Optional;

/**
 * Named metadata (services, customers, plans, alert rules): small tables, read far more than
 * written.
 */
public interface MetadataStore<T> {

  Optional<T> get(String key);

  /** Everything, ordered by key. */
  List<T> list();

  /** Creates or replaces. */
  void put(T value);

  void delete(String key);
}
