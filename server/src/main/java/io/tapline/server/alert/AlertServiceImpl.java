package io.tapline.server.alert;

import com.google.protobuf.util.Timestamps;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.AlertEventFilter;
import io.tapline.proto.v1.AlertRule;
import io.tapline.proto.v1.AlertServiceGrpc;
import io.tapline.proto.v1.CreateAlertRuleRequest;
import io.tapline.proto.v1.DeleteAlertRuleRequest;
import io.tapline.proto.v1.DeleteAlertRuleResponse;
import io.tapline.proto.v1.GetAlertRuleRequest;
import io.tapline.proto.v1.ListAlertEventsRequest;
import io.tapline.proto.v1.ListAlertEventsResponse;
import io.tapline.proto.v1.ListAlertRulesRequest;
import io.tapline.proto.v1.ListAlertRulesResponse;
import io.tapline.proto.v1.ListWebhookDeliveriesRequest;
import io.tapline.proto.v1.ListWebhookDeliveriesResponse;
import io.tapline.proto.v1.Severity;
import io.tapline.proto.v1.SubscribeAlertsRequest;
import io.tapline.proto.v1.SubscribeAlertsResponse;
import io.tapline.proto.v1.UpdateAlertRuleRequest;
import io.tapline.proto.v1.Webhook;
import io.tapline.proto.v1.WebhookDelivery;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.NotFoundException;
import io.tapline.server.api.PageTokenCodec;
import io.tapline.server.api.Principal;
import io.tapline.server.api.Scope;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.outbound.OutboundGuard;
import io.tapline.server.outbound.OutboundRefusedException;
import io.tapline.server.storage.AlertEventRecord;
import io.tapline.server.storage.AlertEventStore;
import io.tapline.server.storage.AlertRuleRecord;
import io.tapline.server.storage.AlertRuleStore;
import io.tapline.server.storage.RetryLaterException;
import io.tapline.server.storage.WebhookDeliveryRecord;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * AlertService: rule management (admin scope), event history, webhook deliveries and the live event
 * stream (read scope, limited to the key's service for service-bound keys).
 */
public final class AlertServiceImpl extends AlertServiceGrpc.AlertServiceImplBase {

  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 1000;
  private static final SecureRandom random = new SecureRandom();

  private final Rules rules;
  private final AlertRuleStore ruleStore;
  private final AlertEventStore events;
  private final EventHub hub;
  private final TaplineConfig.Alerts config;
  private final OutboundGuard guard;

  AlertServiceImpl(
      Rules rules,
      AlertRuleStore ruleStore,
      AlertEventStore events,
      EventHub hub,
      TaplineConfig.Alerts config,
      OutboundGuard guard) {
    this.rules = rules;
    this.ruleStore = ruleStore;
    this.events = events;
    this.hub = hub;
    this.config = config;
    this.guard = guard;
  }

  /**
   * A rule as a key may see it: webhook secrets never; webhook URLs (which often carry a token, as
   * Slack's do) only for admin keys, others see the origin alone.
   */
  private static AlertRule shown(AlertRule rule, Principal principal) {
    AlertRule redacted = RuleParser.redacted(rule);
    if (principal.isAdmin()) {
      return redacted;
    }
    AlertRule.Builder b = redacted.toBuilder();
    for (int i = 0; i < b.getWebhooksCount(); i++) {
      b.setWebhooks(i, b.getWebhooks(i).toBuilder().setUrl(origin(b.getWebhooks(i).getUrl())));
    }
    return b.build();
  }

  /** {@code scheme://host[:port]} of a URL, for keys that may not see the whole of it. */
  static String origin(String url) {
    try {
      java.net.URI uri = java.net.URI.create(url);
      return uri.getScheme()
          + "://"
          + uri.getHost()
          + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  /** Every webhook must pass the outbound guard when the rule is saved (and again at delivery). */
  private void checkWebhooks(AlertRule rule) {
    for (int i = 0; i < rule.getWebhooksCount(); i++) {
      try {
        guard.check(java.net.URI.create(rule.getWebhooks(i).getUrl()));
      } catch (OutboundRefusedException | IllegalArgumentException e) {
        throw new InvalidRequestException(
            "rule.webhooks[" + i + "].url", "is refused: " + e.getMessage());
      }
    }
  }

  @Override
  public void createAlertRule(CreateAlertRuleRequest request, StreamObserver<AlertRule> response) {
    AlertRule rule = RuleParser.normalize(request.getRule());
    Principal.current().require(Scope.ADMIN, rule.getService());
    checkWebhooks(rule);
    byte[] id = new byte[8];
    random.nextBytes(id);
    com.google.protobuf.Timestamp now = Timestamps.fromMillis(System.currentTimeMillis());
    rule =
        rule.toBuilder()
            .setId("r" + HexFormat.of().formatHex(id))
            .setCreateTime(now)
            .setUpdateTime(now)
            .build();
    ruleStore.put(RuleParser.toRecord(rule));
    rules.invalidate();
    response.onNext(RuleParser.redacted(rule));
    response.onCompleted();
  }

  @Override
  public void getAlertRule(GetAlertRuleRequest request, StreamObserver<AlertRule> response) {
    AlertRule rule = stored(request.getId(), "id");
    Principal.current().require(Scope.READ, rule.getService());
    response.onNext(shown(rule, Principal.current()));
    response.onCompleted();
  }

  @Override
  public void listAlertRules(
      ListAlertRulesRequest request, StreamObserver<ListAlertRulesResponse> response) {
    Principal principal = Principal.current();
    String service = restrict(principal, request.getService(), "service");
    ListAlertRulesResponse.Builder list = ListAlertRulesResponse.newBuilder();
    for (AlertRuleRecord record : ruleStore.list()) {
      if (service.isEmpty() || service.equals(record.service())) {
        list.addRules(shown(RuleParser.fromRecord(record), principal));
      }
    }
    response.onNext(list.build());
    response.onCompleted();
  }

  @Override
  public void updateAlertRule(UpdateAlertRuleRequest request, StreamObserver<AlertRule> response) {
    AlertRule old = stored(request.getRule().getId(), "rule.id");
    AlertRule rule = RuleParser.normalize(request.getRule());
    Principal.current().require(Scope.ADMIN, old.getService());
    Principal.current().require(Scope.ADMIN, rule.getService());
    checkWebhooks(rule);
    AlertRule.Builder b =
        rule.toBuilder()
            .setCreateTime(old.getCreateTime())
            .setUpdateTime(Timestamps.fromMillis(System.currentTimeMillis()));
    for (int i = 0; i < b.getWebhooksCount(); i++) {
      Webhook hook = b.getWebhooks(i);
      if (hook.getSecret().isEmpty()) {
        for (Webhook previous : old.getWebhooksList()) {
          if (previous.getUrl().equals(hook.getUrl())) {
            b.setWebhooks(i, hook.toBuilder().setSecret(previous.getSecret()));
            break;
          }
        }
      }
    }
    rule = b.build();
    ruleStore.put(RuleParser.toRecord(rule));
    rules.invalidate();
    response.onNext(RuleParser.redacted(rule));
    response.onCompleted();
  }

  @Override
  public void deleteAlertRule(
      DeleteAlertRuleRequest request, StreamObserver<DeleteAlertRuleResponse> response) {
    AlertRule old = stored(request.getId(), "id");
    Principal.current().require(Scope.ADMIN, old.getService());
    ruleStore.delete(old.getId());
    rules.invalidate();
    response.onNext(DeleteAlertRuleResponse.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void listAlertEvents(
      ListAlertEventsRequest request, StreamObserver<ListAlertEventsResponse> response) {
    io.tapline.server.storage.AlertEventFilter filter = filter(request.getFilter(), "filter");
    int pageSize = request.getPageSize();
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      throw new InvalidRequestException("page_size", "must be 0 to " + MAX_PAGE_SIZE);
    }
    if (pageSize == 0) {
      pageSize = DEFAULT_PAGE_SIZE;
    }
    long before = decodeToken(request.getPageToken());
    List<AlertEventRecord> page = events.newest(filter, before, pageSize + 1);
    ListAlertEventsResponse.Builder out = ListAlertEventsResponse.newBuilder();
    for (int i = 0; i < Math.min(pageSize, page.size()); i++) {
      out.addEvents(Events.toProto(page.get(i)));
    }
    if (page.size() > pageSize) {
      out.setNextPageToken(encodeToken(page.get(pageSize - 1).id()));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void listWebhookDeliveries(
      ListWebhookDeliveriesRequest request,
      StreamObserver<ListWebhookDeliveriesResponse> response) {
    Principal principal = Principal.current();
    if (!request.getRuleId().isEmpty()) {
      principal.require(Scope.READ, stored(request.getRuleId(), "rule_id").getService());
    } else if (!principal.isAdmin()) {
      throw new InvalidRequestException("rule_id", "is required for keys bound to a service");
    }
    int limit = request.getPageSize() <= 0 ? 100 : Math.min(request.getPageSize(), MAX_PAGE_SIZE);
    ListWebhookDeliveriesResponse.Builder out = ListWebhookDeliveriesResponse.newBuilder();
    for (WebhookDeliveryRecord d :
        events.deliveries(request.getRuleId(), request.getEventId(), limit)) {
      out.addDeliveries(
          WebhookDelivery.newBuilder()
              .setEventId(d.eventId())
              .setRuleId(d.ruleId())
              .setUrl(principal.isAdmin() ? d.url() : origin(d.url()))
              .setAttempt(d.attempt())
              .setHttpStatus(d.httpStatus())
              .setSuccess(d.success())
              .setError(d.error())
              .setTime(Timestamps.fromMillis(d.time().toEpochMilli())));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void subscribeAlerts(
      SubscribeAlertsRequest request, StreamObserver<SubscribeAlertsResponse> responseObserver) {
    io.tapline.server.storage.AlertEventFilter filter = filter(request.getFilter(), "filter");
    if (request.hasAfterId() && request.getAfterId() < 0) {
      throw new InvalidRequestException("after_id", "must be >= 0");
    }
    ServiceRequestContext ctx = ServiceRequestContext.current();
    // A subscription lasts as long as the client wants, not the server's request timeout.
    ctx.clearRequestTimeout();
    Subscription subscription =
        new Subscription(
            (ServerCallStreamObserver<SubscribeAlertsResponse>) responseObserver,
            hub,
            events,
            filter,
            config.subscriberBuffer(),
            config.subscriberStallTimeout(),
            ctx.eventLoop(),
            ctx.blockingTaskExecutor(),
            Principal.current().keyId(),
            Principal.keyCheck(),
            config.keyCheckInterval());
    if (!hub.add(subscription)) {
      throw new RetryLaterException(
          RetryLaterException.Reason.OVERLOADED,
          "this API key has "
              + config.maxSubscriptionsPerKey()
              + " alert subscriptions open already (alerts.max-subscriptions-per-key)",
          java.time.Duration.ofSeconds(5),
          null);
    }
    // However the stream ends (cancel, reset, server stop), its buffer and timers are freed.
    ctx.log().whenComplete().thenRun(subscription::shutdown);
    subscription.start(
        request.hasAfterId() ? request.getAfterId() : null, config.heartbeatInterval());
  }

  private io.tapline.server.storage.AlertEventFilter filter(AlertEventFilter filter, String field) {
    Principal principal = Principal.current();
    String service = restrict(principal, filter.getService(), field + ".service");
    if (filter.getMinSeverity() == Severity.UNRECOGNIZED) {
      throw new InvalidRequestException(field + ".min_severity", "unknown severity");
    }
    return new io.tapline.server.storage.AlertEventFilter(
        service, filter.getRuleId(), filter.getMinSeverityValue());
  }

  /** The service a read may see: the requested one, checked, or the key's own. */
  private static String restrict(Principal principal, String requested, String field) {
    if (!principal.has(Scope.READ)) {
      principal.require(Scope.READ, requested);
    }
    return principal.serviceFor(requested, () -> principal.denied(Scope.READ, requested));
  }

  private AlertRule stored(String id, String field) {
    if (id.isEmpty()) {
      throw new InvalidRequestException(field, "is required");
    }
    AlertRuleRecord record =
        ruleStore
            .get(id)
            .orElseThrow(() -> new NotFoundException("alert rule " + id + " not found"));
    return RuleParser.fromRecord(record);
  }

  static String encodeToken(long id) {
    return PageTokenCodec.encode("v1", Long.toString(id));
  }

  static long decodeToken(String token) {
    if (token.isEmpty()) {
      return 0;
    }
    try {
      long id = Long.parseLong(PageTokenCodec.decode(token, "v1", 1)[0]);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw PageTokenCodec.invalid();
  }
}
