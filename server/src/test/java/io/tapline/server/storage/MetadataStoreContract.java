package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link MetadataStore} (services, customers, plans) must do, whatever the backend: a
 * put creates or replaces the value of its key, a delete removes it, and the list holds every value
 * once, ordered by key. Each entity's contract says how to make its values.
 *
 * <p>The tests of one backend share one database, so each test uses keys of its own and looks at no
 * other.
 */
public abstract class MetadataStoreContract<T> {

  /** Creation times as the stores keep them: whole milliseconds. */
  static final Instant CREATED = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  protected abstract MetadataStore<T> store();

  /**
   * A value stored under {@code key}. Values of different variants differ in every field but the
   * key, so a test can tell which one was read.
   */
  protected abstract T value(String key, int variant);

  protected abstract String keyOf(T value);

  /** A key (or key prefix) no other test uses. */
  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  /** The listed values whose key starts with {@code prefix}, in the order listed. */
  private List<T> listed(String prefix) {
    return store().list().stream().filter(v -> keyOf(v).startsWith(prefix)).toList();
  }

  @Test
  void aStoredValueReadsBackUnchanged() {
    String key = unique("meta-get");
    store().put(value(key, 0));

    assertThat(store().get(key)).contains(value(key, 0));
    assertThat(listed(key)).containsExactly(value(key, 0));
  }

  @Test
  void anUnknownKeyIsEmpty() {
    String key = unique("meta-unknown");

    assertThat(store().get(key)).isEmpty();
    assertThat(listed(key)).isEmpty();
  }

  @Test
  void aPutReplacesTheValueOfItsKey() {
    String key = unique("meta-replace");
    store().put(value(key, 0));
    store().put(value(key, 1));

    assertThat(store().get(key)).contains(value(key, 1));
    assertThat(listed(key)).containsExactly(value(key, 1));
  }

  @Test
  void theListHoldsEveryValueOnceOrderedByKey() {
    String prefix = unique("meta-list");
    for (String suffix : List.of("-c", "-a", "-b2", "-b")) {
      store().put(value(prefix + suffix, 0));
    }
    store().put(value(prefix + "-a", 1));

    assertThat(listed(prefix))
        .containsExactly(
            value(prefix + "-a", 1),
            value(prefix + "-b", 0),
            value(prefix + "-b2", 0),
            value(prefix + "-c", 0));
    // Keys match exactly: neither a prefix nor a longer key is found.
    assertThat(store().get(prefix + "-b")).contains(value(prefix + "-b", 0));
    assertThat(store().get(prefix)).isEmpty();
  }

  @Test
  void aDeletedValueIsGoneFromGetAndListAndOthersStay() {
    String prefix = unique("meta-delete");
    store().put(value(prefix + "-a", 0));
    store().put(value(prefix + "-b", 0));
    store().delete(prefix + "-a");

    assertThat(store().get(prefix + "-a")).isEmpty();
    assertThat(store().get(prefix + "-b")).contains(value(prefix + "-b", 0));
    assertThat(listed(prefix)).containsExactly(value(prefix + "-b", 0));
  }

  @Test
  void aDeletedKeyCanBeStoredAgain() {
    String key = unique("meta-recreate");
    store().put(value(key, 0));
    store().delete(key);
    store().put(value(key, 1));

    assertThat(store().get(key)).contains(value(key, 1));
    assertThat(listed(key)).containsExactly(value(key, 1));
  }

  @Test
  void deletingAnUnknownKeyDoesNotHideALaterPut() {
    String key = unique("meta-delete-unknown");
    store().delete(key);
    assertThat(store().get(key)).isEmpty();

    store().put(value(key, 0));

    assertThat(store().get(key)).contains(value(key, 0));
    assertThat(listed(key)).containsExactly(value(key, 0));
  }
}
