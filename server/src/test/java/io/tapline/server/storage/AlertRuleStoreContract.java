package io.tapline.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AlertRuleStore} must do, whatever the backend: a put creates or replaces a
 * rule, a delete removes it, the list holds every rule once ordered by id, and the definition is
 * kept as given.
 *
 * <p>The tests of one backend share one database, so each test uses rule ids of its own.
 */
public abstract class AlertRuleStoreContract {

  /** Times as the store keeps them: whole milliseconds. */
  static final Instant CREATED = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  protected abstract AlertRuleStore store();

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  /** A rule; rules of different versions differ in everything but id and creation time. */
  static AlertRuleRecord rule(String id, int version) {
    return new AlertRuleRecord(
        id,
        "service-" + version,
        "{\"name\":\"rule v"
            + version
            + "\",\"threshold\":"
            + version
            + ",\"webhooks\":[{\"url\":\"https://hooks.test/"
            + version
            + "\"}]}",
        CREATED,
        CREATED.plusSeconds(version));
  }

  /** The listed rules whose id starts with {@code prefix}, in the order listed. */
  private List<AlertRuleRecord> listed(String prefix) {
    return store().list().stream().filter(r -> r.id().startsWith(prefix)).toList();
  }

  @Test
  void aStoredRuleReadsBackUnchanged() {
    String id = unique("rule-get");
    store().put(rule(id, 0));

    assertThat(store().get(id)).contains(rule(id, 0));
    assertThat(listed(id)).containsExactly(rule(id, 0));
  }

  @Test
  void anUnknownIdIsEmpty() {
    String id = unique("rule-unknown");

    assertThat(store().get(id)).isEmpty();
    assertThat(listed(id)).isEmpty();
  }

  @Test
  void aPutReplacesTheRule() {
    String id = unique("rule-replace");
    store().put(rule(id, 0));
    store().put(rule(id, 1));

    assertThat(store().get(id)).contains(rule(id, 1));
    assertThat(listed(id)).containsExactly(rule(id, 1));
  }

  @Test
  void theListHoldsEveryRuleOnceOrderedById() {
    String prefix = unique("rule-list");
    store().put(rule(prefix + "-b", 0));
    store().put(rule(prefix + "-c", 0));
    store().put(rule(prefix + "-a", 0));
    store().put(rule(prefix + "-b", 2));

    assertThat(listed(prefix))
        .containsExactly(rule(prefix + "-a", 0), rule(prefix + "-b", 2), rule(prefix + "-c", 0));
  }

  @Test
  void aDeletedRuleIsGoneFromGetAndListAndOthersStay() {
    String prefix = unique("rule-delete");
    store().put(rule(prefix + "-a", 0));
    store().put(rule(prefix + "-b", 0));
    store().delete(prefix + "-a");

    assertThat(store().get(prefix + "-a")).isEmpty();
    assertThat(store().get(prefix + "-b")).contains(rule(prefix + "-b", 0));
    assertThat(listed(prefix)).containsExactly(rule(prefix + "-b", 0));
  }

  @Test
  void aDeletedIdCanBeUsedAgain() {
    String id = unique("rule-recreate");
    store().put(rule(id, 0));
    store().delete(id);
    store().put(rule(id, 1));

    assertThat(store().get(id)).contains(rule(id, 1));
    assertThat(listed(id)).containsExactly(rule(id, 1));
  }

  @Test
  void theDefinitionIsKeptAsGiven() {
    String id = unique("rule-definition");
    String definition =
        "{\"name\":\"ünïcödé 😀 \\\"quoted\\\" \\\\ {fn x} ? '\",\"clauses\":["
            + "{\"field\":\"status_code\",\"op\":\">=\",\"value\":\"500\"},".repeat(500)
            + "{}],\"note\":\"line\\nbreak\"}";
    AlertRuleRecord rule = new AlertRuleRecord(id, "checkout", definition, CREATED, CREATED);
    store().put(rule);

    assertThat(store().get(id)).contains(rule);
    assertThat(store().get(id).orElseThrow().definition()).isEqualTo(definition);
  }
}
