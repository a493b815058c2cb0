package io.tapline.server.storage;

import java.util.List;
import java.util.Optional;

/** Alert rules. */
public interface AlertRuleStore {

  Optional<AlertRuleRecord> get(String id);

  /** Every rule, ordered by id. */
  List<AlertRuleRecord> list();

  /** Creates or replaces a rule. */
  void put(AlertRuleRecord rule);

  void delete(String id);
}
