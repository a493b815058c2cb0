package io.tapline.server.storage;

import java.util.List;
import java.util.Optional;

/** Registered services. */
public interface ServiceStore {

  Optional<ServiceRecord> get(String name);

  List<ServiceRecord> list();

  /** Creates or replaces a service. */
  void put(ServiceRecord service);

  void delete(String name);
}
