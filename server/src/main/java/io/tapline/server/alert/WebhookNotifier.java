package io.tapline.server.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import io.tapline.proto.v1.AlertEvent;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.Webhook;
import io.tapline.proto.v1.WebhookFormat;
import io.tapline.server.api.JsonCodec;
import io.tapline.server.outbound.OutboundClient;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.outbound.OutboundRefusedException;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertEventStore;
import io.tapline.server.storage.WebhookDeliveryRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the webhooks of their rule: a POST per webhook, retried with doubling,
 * jittered backoff on a failure or non-2xx answer, each attempt recorded in the delivery log.
 * Everything is asynchronous: a slow or failing endpoint never holds up evaluation. Only the
 * replica that stored an event delivers it.
 *
 * <p>Every attempt passes the {@link OutboundGuard}: the URL is resolved once and the request goes
 * to the address checked, so a name that resolves to the engine's loopback port, a private or a
 * metadata address is refused (and not retried). Redirects are not followed. URLs are logged by
 * origin only, and secrets never.
 *
 * <p>Signature: {@value #SIGNATURE_HEADER}: {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">}, keyed with the webhook's secret; receivers should also reject old {@code t}.
 */
final class WebhookNotifier implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(WebhookNotifier.class);
  static final String SIGNATURE_HEADER = "x-tapline-signature";
  static final String EVENT_ID_HEADER = "x-tapline-event-id";

  /** Delivery-log rows waiting to be written; beyond it they are dropped (and logged): {@value}. */
  static final int DEFAULT_LOG_QUEUE = 10_000;

  private static final ObjectMapper json = new ObjectMapper();

  private final Rules rules;
  private final AlertEventStore store;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration timeout;
  private final OutboundGuard guard;
  private final OutboundClient client;
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("tapline-webhook-retries").daemon().factory());
  private final ThreadPoolExecutor logWriter =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(DEFAULT_LOG_QUEUE),
          Thread.ofPlatform().name("tapline-webhook-log").daemon().factory());

  WebhookNotifier(
      Rules rules,
      AlertEventStore store,
      int maxAttempts,
      Duration initialBackoff,
      Duration timeout,
      OutboundGuard guard) {
    this.rules = rules;
    this.store = store;
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.timeout = timeout;
    this.guard = guard;
    this.client = new OutboundClient(timeout);
  }

  /** Starts delivering an event to its rule's webhooks; returns at once. */
  void deliver(AlertEventRecord event) {
    AlertRule rule = null;
    for (Rule candidate : rules.snapshot().all()) {
      if (candidate.id().equals(event.ruleId())) {
        rule = candidate.proto();
        break;
      }
    }
    if (rule == null || rule.getWebhooksCount() == 0) {
      return;
    }
    AlertEvent proto = Events.toProto(event);
    for (Webhook hook : rule.getWebhooksList()) {
      String body = body(proto, rule, hook.getFormat());
      attempt(event, hook, body, 1);
    }
  }

  private void attempt(AlertEventRecord event, Webhook hook, String body, int attempt) {
    String timestamp = Long.toString(Instant.now().getEpochSecond());
    OutboundGuard.Target target;
    try {
      // Resolved and checked at every attempt: the name may point elsewhere since the rule was
      // saved. A refusal is final.
      target = guard.check(URI.create(hook.getUrl()));
    } catch (OutboundRefusedException | IllegalArgumentException e) {
      String reason = "refused: " + e.getMessage();
      log(
          new WebhookDeliveryRecord(
              Instant.now(), event.id(), event.ruleId(), hook.getUrl(), attempt, 0, false, reason));
      logger.warn("Webhook to {} for alert event {} {}", origin(hook.getUrl()), event.id(), reason);
      return;
    }
    com.linecorp.armeria.common.RequestHeadersBuilder headers =
        OutboundClient.headers(HttpMethod.POST, target)
            .contentType(MediaType.JSON_UTF_8)
            .add(EVENT_ID_HEADER, Long.toString(event.id()));
    if (!hook.getSecret().isEmpty()) {
      headers.add(
          SIGNATURE_HEADER,
          "t=" + timestamp + ",v1=" + sign(hook.getSecret(), timestamp + "." + body));
    }
    client
        .to(target, timeout)
        .execute(headers.build(), body)
        .aggregate()
        .handle(
            (AggregatedHttpResponse response, Throwable error) -> {
              int status = response == null ? 0 : response.status().code();
              boolean success = error == null && response.status().isSuccess();
              String reason =
                  success
                      ? ""
                      : error != null
                          ? error.getClass().getSimpleName() + ": " + error.getMessage()
                          : "HTTP " + status;
              log(
                  new WebhookDeliveryRecord(
                      Instant.now(),
                      event.id(),
                      event.ruleId(),
                      hook.getUrl(),
                      attempt,
                      status,
                      success,
                      reason));
              if (!success && attempt < maxAttempts) {
                long base = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
                long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
                try {
                  retries.schedule(
                      () -> attempt(event, hook, body, attempt + 1), delay, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                  // Shutting down.
                }
              } else if (!success) {
                logger.warn(
                    "Webhook to {} for alert event {} failed after {} attempts: {}",
                    origin(hook.getUrl()),
                    event.id(),
                    attempt,
                    reason);
              }
              return null;
            });
  }

  private void log(WebhookDeliveryRecord delivery) {
    try {
      logWriter.execute(
          () -> {
            try {
              store.logDelivery(delivery);
            } catch (RuntimeException e) {
              logger.warn("Webhook delivery log write failed: {}", e.getMessage());
            }
          });
    } catch (RejectedExecutionException e) {
      logger.warn("Webhook delivery log is behind; dropped a row for event {}", delivery.eventId());
    }
  }

  static String body(AlertEvent event, AlertRule rule, WebhookFormat format) {
    try {
      if (format == WebhookFormat.SLACK) {
        String text =
            "["
                + event.getSeverity().name()
                + "] "
                + event.getKind().name()
                + ": "
                + (rule.getName().isEmpty() ? rule.getId() : rule.getName())
                + " (service "
                + event.getService()
                + ") value "
                + event.getValue()
                + ", threshold "
                + event.getThreshold()
                + (event.getCount() > 1 ? ", " + event.getCount() + " calls" : "")
                + (rule.getDescription().isEmpty() ? "" : "\n" + rule.getDescription());
        return json.writeValueAsString(Map.of("text", text));
      }
      return JsonCodec.print(event);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sign(String secret, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A URL's origin, for logs: the path of a webhook URL may be a secret (as Slack's is). */
  private static String origin(String url) {
    return AlertServiceImpl.origin(url);
  }

  @Override
  public void close() {
    retries.shutdownNow();
    logWriter.shutdown();
    client.close();
  }
}
