package io.tapline.server.admin;

import io.grpc.stub.StreamObserver;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.ApiKey;
import io.tapline.proto.v1.CreateApiKeyRequest;
import io.tapline.proto.v1.CreateApiKeyResponse;
import io.tapline.proto.v1.CreateCustomerRequest;
import io.tapline.proto.v1.CreatePlanRequest;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.Customer;
import io.tapline.proto.v1.DeleteCustomerRequest;
import io.tapline.proto.v1.DeletePlanRequest;
import io.tapline.proto.v1.DeleteResponse;
import io.tapline.proto.v1.DeleteServiceRequest;
import io.tapline.proto.v1.FieldSource;
import io.tapline.proto.v1.FieldType;
import io.tapline.proto.v1.GetApiKeyRequest;
import io.tapline.proto.v1.GetCustomerRequest;
import io.tapline.proto.v1.GetPlanRequest;
import io.tapline.proto.v1.GetServiceRequest;
import io.tapline.proto.v1.ListApiKeysRequest;
import io.tapline.proto.v1.ListApiKeysResponse;
import io.tapline.proto.v1.ListCustomersRequest;
import io.tapline.proto.v1.ListCustomersResponse;
import io.tapline.proto.v1.ListPlansRequest;
import io.tapline.proto.v1.ListPlansResponse;
import io.tapline.proto.v1.ListServicesRequest;
import io.tapline.proto.v1.ListServicesResponse;
import io.tapline.proto.v1.OtlpSettings;
import io.tapline.proto.v1.Plan;
import io.tapline.proto.v1.RevokeApiKeyRequest;
import io.tapline.proto.v1.Service;
import io.tapline.proto.v1.UpdateCustomerRequest;
import io.tapline.proto.v1.UpdatePlanRequest;
import io.tapline.proto.v1.UpdateServiceRequest;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.api.NotFoundException;
import io.tapline.server.api.Scope;
import io.tapline.server.api.Times;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.auth.Authenticator;
import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.ApiKeyStore;
import io.tapline.server.storage.CustomerRecord;
import io.tapline.server.storage.CustomerStore;
import io.tapline.server.storage.FieldRule;
import io.tapline.server.storage.MetadataStore;
import io.tapline.server.storage.Names;
import io.tapline.server.storage.PlanRecord;
import io.tapline.server.storage.PlanStore;
import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Services, customers, plans and API keys. Every method needs the admin scope (checked by the
 * AuthInterceptor). Runs on Armeria's blocking task executor.
 */
public final class AdminServiceImpl extends AdminServiceGrpc.AdminServiceImplBase {

  static final int MAX_RETENTION_DAYS = 3650;
  static final int MAX_ATTRIBUTE_NAME = 255;
  static final int MAX_FIELDS = 32;
  static final int MAX_FIELD_PATH = 512;

  private final CustomerStore customers;
  private final PlanStore plans;
  private final ApiKeyStore keys;
  private final Authenticator authenticator;
  private final Clock clock;
  private final Entity<ServiceRecord, Service> serviceEntity;
  private final Entity<CustomerRecord, Customer> customerEntity;
  private final Entity<PlanRecord, Plan> planEntity;

  public AdminServiceImpl(
      ServiceStore services,
      CustomerStore customers,
      PlanStore plans,
      ApiKeyStore keys,
      Authenticator authenticator,
      Clock clock) {
    this.customers = customers;
    this.plans = plans;
    this.keys = keys;
    this.authenticator = authenticator;
    this.clock = clock;
    this.serviceEntity =
        new Entity<>(
            services,
            "service",
            Service::getName,
            (s, createdAt) -> toRecord(s, "service", createdAt),
            AdminServiceImpl::toProto,
            ServiceRecord::createdAt);
    this.customerEntity =
        new Entity<>(
            customers,
            "customer",
            Customer::getId,
            this::toRecord,
            AdminServiceImpl::toProto,
            CustomerRecord::createdAt);
    this.planEntity =
        new Entity<>(
            plans,
            "plan",
            Plan::getId,
            AdminServiceImpl::toRecord,
            AdminServiceImpl::toProto,
            PlanRecord::createdAt);
  }

  /**
   * Create, get, list, update and delete of one kind of metadata, the same for each.
   *
   * @param key the key of a value as sent (checked by {@code toRecord})
   * @param toRecord checks a value as sent and makes its record, created at the given time
   */
  private record Entity<R, P>(
      MetadataStore<R> store,
      String kind,
      Function<P, String> key,
      BiFunction<P, Instant, R> toRecord,
      Function<R, P> toProto,
      Function<R, Instant> createdAt) {

    P create(P value, Instant now) {
      R record = toRecord.apply(value, now);
      String k = key.apply(value);
      if (store.get(k).isPresent()) {
        throw new InvalidRequestException(kind, "a " + kind + " named '" + k + "' exists already");
      }
      store.put(record);
      return toProto.apply(record);
    }

    P get(String k) {
      return toProto.apply(find(store, k, kind));
    }

    List<P> list() {
      return store.list().stream().map(toProto).toList();
    }

    P update(P value) {
      R existing = find(store, key.apply(value), kind);
      R record = toRecord.apply(value, createdAt.apply(existing));
      store.put(record);
      return toProto.apply(record);
    }

    DeleteResponse delete(String k) {
      find(store, k, kind);
      store.delete(k);
      return DeleteResponse.getDefaultInstance();
    }
  }

  // Services

  @Override
  public void createService(CreateServiceRequest request, StreamObserver<Service> response) {
    reply(response, serviceEntity.create(request.getService(), now()));
  }

  @Override
  public void getService(GetServiceRequest request, StreamObserver<Service> response) {
    reply(response, serviceEntity.get(request.getName()));
  }

  @Override
  public void listServices(
      ListServicesRequest request, StreamObserver<ListServicesResponse> response) {
    reply(response, ListServicesResponse.newBuilder().addAllServices(serviceEntity.list()).build());
  }

  @Override
  public void updateService(UpdateServiceRequest request, StreamObserver<Service> response) {
    reply(response, serviceEntity.update(request.getService()));
  }

  @Override
  public void deleteService(DeleteServiceRequest request, StreamObserver<DeleteResponse> response) {
    reply(response, serviceEntity.delete(request.getName()));
  }

  private ServiceRecord toRecord(Service s, String field, Instant createdAt) {
    requireName(s.getName(), field + ".name");
    if (!s.getBaseUrl().isEmpty()) {
      requireHttpUrl(s.getBaseUrl(), field + ".base_url");
    }
    if (s.getRetentionDays() < 0 || s.getRetentionDays() > MAX_RETENTION_DAYS) {
      throw new InvalidRequestException(
          field + ".retention_days",
          "must be between 0 (server default) and " + MAX_RETENTION_DAYS);
    }
    for (String attribute :
        List.of(s.getOtlp().getCustomerAttribute(), s.getOtlp().getPlanAttribute())) {
      if (attribute.length() > MAX_ATTRIBUTE_NAME) {
        throw new InvalidRequestException(
            field + ".otlp", "attribute names have at most " + MAX_ATTRIBUTE_NAME + " characters");
      }
    }
    return new ServiceRecord(
        s.getName(),
        s.getDescription(),
        s.getBaseUrl(),
        s.getReplayAllowListList(),
        s.getRetentionDays(),
        s.getSensitiveHeadersList().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList(),
        new ServiceRecord.Otlp(
            s.getOtlp().getClientSpans(),
            s.getOtlp().getCustomerAttribute().strip(),
            s.getOtlp().getPlanAttribute().strip()),
        fieldRules(s.getFieldsList(), field + ".fields"),
        createdAt);
  }

  /** A service's extraction rules, checked, with body paths as JSON Pointers. */
  private static List<FieldRule> fieldRules(
      List<io.tapline.proto.v1.FieldRule> rules, String field) {
    if (rules.size() > MAX_FIELDS) {
      throw new InvalidRequestException(field, "at most " + MAX_FIELDS + " fields per service");
    }
    Set<String> names = new HashSet<>();
    List<FieldRule> checked = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      io.tapline.proto.v1.FieldRule rule = rules.get(i);
      String at = field + "[" + i + "]";
      if (!Names.FIELD.matcher(rule.getName()).matches()) {
        throw new InvalidRequestException(
            at + ".name", "must be 1 to 64 characters from [A-Za-z0-9._-]");
      }
      if (!names.add(rule.getName())) {
        throw new InvalidRequestException(at + ".name", "'" + rule.getName() + "' is named twice");
      }
      FieldRule.Type type =
          switch (rule.getType()) {
            case FIELD_TYPE_STRING -> FieldRule.Type.STRING;
            case FIELD_TYPE_NUMBER -> FieldRule.Type.NUMBER;
            default -> throw new InvalidRequestException(at + ".type", "must be STRING or NUMBER");
          };
      FieldRule.Source source =
          switch (rule.getSource()) {
            case FIELD_SOURCE_REQUEST_BODY -> FieldRule.Source.REQUEST_BODY;
            case FIELD_SOURCE_RESPONSE_BODY -> FieldRule.Source.RESPONSE_BODY;
            case FIELD_SOURCE_REQUEST_HEADER -> FieldRule.Source.REQUEST_HEADER;
            case FIELD_SOURCE_RESPONSE_HEADER -> FieldRule.Source.RESPONSE_HEADER;
            default ->
                throw new InvalidRequestException(
                    at + ".source",
                    "must be REQUEST_BODY, RESPONSE_BODY, REQUEST_HEADER or RESPONSE_HEADER");
          };
      String path = rule.getPath().strip();
      if (path.length() > MAX_FIELD_PATH) {
        throw new InvalidRequestException(
            at + ".path", "has at most " + MAX_FIELD_PATH + " characters");
      }
      if (source.body()) {
        try {
          path = FieldRule.pointer(path);
        } catch (IllegalArgumentException e) {
          throw new InvalidRequestException(at + ".path", e.getMessage());
        }
      } else if (!path.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
        throw new InvalidRequestException(at + ".path", "must be a header name");
      } else {
        path = path.toLowerCase(Locale.ROOT);
      }
      checked.add(new FieldRule(rule.getName(), type, source, path));
    }
    return checked;
  }

  static Service toProto(ServiceRecord s) {
    return Service.newBuilder()
        .setName(s.name())
        .setDescription(s.description())
        .setBaseUrl(s.baseUrl())
        .addAllReplayAllowList(s.replayAllowList())
        .setRetentionDays(s.retentionDays())
        .addAllSensitiveHeaders(s.sensitiveHeaders())
        .setOtlp(
            OtlpSettings.newBuilder()
                .setClientSpans(s.otlp().clientSpans())
                .setCustomerAttribute(s.otlp().customerAttribute())
                .setPlanAttribute(s.otlp().planAttribute()))
        .addAllFields(s.fields().stream().map(AdminServiceImpl::toProto).toList())
        .setCreateTime(Times.timestamp(s.createdAt()))
        .build();
  }

  static io.tapline.proto.v1.FieldRule toProto(FieldRule rule) {
    return io.tapline.proto.v1.FieldRule.newBuilder()
        .setName(rule.name())
        .setType(FieldType.valueOf("FIELD_TYPE_" + rule.type().name()))
        .setSource(FieldSource.valueOf("FIELD_SOURCE_" + rule.source().name()))
        .setPath(rule.path())
        .build();
  }

  // Customers

  @Override
  public void createCustomer(CreateCustomerRequest request, StreamObserver<Customer> response) {
    reply(response, customerEntity.create(request.getCustomer(), now()));
  }

  @Override
  public void getCustomer(GetCustomerRequest request, StreamObserver<Customer> response) {
    reply(response, customerEntity.get(request.getId()));
  }

  @Override
  public void listCustomers(
      ListCustomersRequest request, StreamObserver<ListCustomersResponse> response) {
    reply(
        response,
        ListCustomersResponse.newBuilder().addAllCustomers(customerEntity.list()).build());
  }

  @Override
  public void updateCustomer(UpdateCustomerRequest request, StreamObserver<Customer> response) {
    reply(response, customerEntity.update(request.getCustomer()));
  }

  @Override
  public void deleteCustomer(
      DeleteCustomerRequest request, StreamObserver<DeleteResponse> response) {
    reply(response, customerEntity.delete(request.getId()));
  }

  private CustomerRecord toRecord(Customer c, Instant createdAt) {
    requireName(c.getId(), "customer.id");
    if (!c.getPlan().isEmpty()) {
      find(plans, c.getPlan(), "plan");
    }
    return new CustomerRecord(c.getId(), c.getName(), c.getPlan(), createdAt);
  }

  static Customer toProto(CustomerRecord c) {
    return Customer.newBuilder()
        .setId(c.id())
        .setName(c.name())
        .setPlan(c.plan())
        .setCreateTime(Times.timestamp(c.createdAt()))
        .build();
  }

  // Plans

  @Override
  public void createPlan(CreatePlanRequest request, StreamObserver<Plan> response) {
    reply(response, planEntity.create(request.getPlan(), now()));
  }

  @Override
  public void getPlan(GetPlanRequest request, StreamObserver<Plan> response) {
    reply(response, planEntity.get(request.getId()));
  }

  @Override
  public void listPlans(ListPlansRequest request, StreamObserver<ListPlansResponse> response) {
    reply(response, ListPlansResponse.newBuilder().addAllPlans(planEntity.list()).build());
  }

  @Override
  public void updatePlan(UpdatePlanRequest request, StreamObserver<Plan> response) {
    reply(response, planEntity.update(request.getPlan()));
  }

  @Override
  public void deletePlan(DeletePlanRequest request, StreamObserver<DeleteResponse> response) {
    reply(response, planEntity.delete(request.getId()));
  }

  private static PlanRecord toRecord(Plan p, Instant createdAt) {
    requireName(p.getId(), "plan.id");
    if (p.getRateLimitPerSecond() < 0) {
      throw new InvalidRequestException("plan.rate_limit_per_second", "must not be negative");
    }
    return new PlanRecord(
        p.getId(), p.getName(), p.getDescription(), p.getRateLimitPerSecond(), createdAt);
  }

  static Plan toProto(PlanRecord p) {
    return Plan.newBuilder()
        .setId(p.id())
        .setName(p.name())
        .setDescription(p.description())
        .setRateLimitPerSecond(p.rateLimitPerSecond())
        .setCreateTime(Times.timestamp(p.createdAt()))
        .build();
  }

  // API keys

  @Override
  public void createApiKey(
      CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> response) {
    Set<String> scopes = new LinkedHashSet<>();
    for (String scope : request.getScopesList()) {
      String name = scope.toLowerCase(Locale.ROOT);
      try {
        Scope.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException(
            "scopes", "unknown scope '" + scope + "'; use ingest, read, replay or admin");
      }
      scopes.add(name);
    }
    if (scopes.isEmpty()) {
      throw new InvalidRequestException("scopes", "at least one scope is required");
    }
    if (!request.getService().isEmpty()) {
      requireName(request.getService(), "service");
    }
    if (scopes.contains("ingest") && request.getService().isEmpty()) {
      throw new InvalidRequestException("service", "an ingest key must be bound to one service");
    }
    if (scopes.contains("admin") && !request.getService().isEmpty()) {
      // An admin key may do anything, on every service: a binding would be a promise not kept.
      throw new InvalidRequestException(
          "service", "an admin key cannot be bound to a service; leave service empty");
    }
    if (!request.getPlan().isEmpty()) {
      find(plans, request.getPlan(), "plan");
    }
    if (!request.getCustomerId().isEmpty()) {
      find(customers, request.getCustomerId(), "customer");
    }
    Instant now = now();
    Instant expires = null;
    if (request.hasExpireTime()) {
      expires = Times.instant(request.getExpireTime(), "expire_time");
      if (!expires.isAfter(now)) {
        throw new InvalidRequestException("expire_time", "must be in the future");
      }
    }
    ApiKeys.Generated generated = ApiKeys.generate();
    ApiKeyRecord record =
        new ApiKeyRecord(
            generated.keyId(),
            request.getName(),
            generated.secretHash(),
            scopes,
            request.getService(),
            request.getCustomerId(),
            request.getPlan(),
            now,
            expires,
            false);
    keys.put(record);
    authenticator.invalidate(record.keyId()); // known here at once, not after the next reload
    reply(
        response,
        CreateApiKeyResponse.newBuilder()
            .setApiKey(toProto(record))
            .setKey(generated.key())
            .build());
  }

  @Override
  public void getApiKey(GetApiKeyRequest request, StreamObserver<ApiKey> response) {
    reply(response, toProto(findKey(request.getKeyId())));
  }

  @Override
  public void listApiKeys(
      ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
    ListApiKeysResponse.Builder list = ListApiKeysResponse.newBuilder();
    keys.list().forEach(k -> list.addApiKeys(toProto(k)));
    reply(response, list.build());
  }

  @Override
  public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<ApiKey> response) {
    ApiKeyRecord revoked = findKey(request.getKeyId()).revoke();
    keys.put(revoked);
    authenticator.invalidate(revoked.keyId());
    reply(response, toProto(revoked));
  }

  private ApiKeyRecord findKey(String keyId) {
    if (keyId.isEmpty()) {
      throw new InvalidRequestException("key_id", "is required");
    }
    return keys.get(keyId).orElseThrow(() -> new NotFoundException("No API key " + keyId));
  }

  static ApiKey toProto(ApiKeyRecord k) {
    ApiKey.Builder key =
        ApiKey.newBuilder()
            .setKeyId(k.keyId())
            .setName(k.name())
            .addAllScopes(k.scopes().stream().sorted().toList())
            .setService(k.service())
            .setCustomerId(k.customerId())
            .setPlan(k.plan())
            .setCreateTime(Times.timestamp(k.createdAt()))
            .setRevoked(k.revoked());
    if (k.expiresAt() != null) {
      key.setExpireTime(Times.timestamp(k.expiresAt()));
    }
    return key.build();
  }

  // Shared

  private static <T> T find(MetadataStore<T> store, String key, String kind) {
    if (key.isEmpty()) {
      throw new InvalidRequestException(kind, "a " + kind + " name is required");
    }
    return store
        .get(key)
        .orElseThrow(() -> new NotFoundException("No " + kind + " named '" + key + "'"));
  }

  private static void requireName(String name, String field) {
    if (!Names.NAME.matcher(name).matches()) {
      throw new InvalidRequestException(field, "must be 1 to 128 characters from [A-Za-z0-9._-]");
    }
  }

  private static void requireHttpUrl(String url, String field) {
    try {
      URI uri = new URI(url);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new InvalidRequestException(field, "must be an http or https URL with a host");
      }
    } catch (URISyntaxException e) {
      throw new InvalidRequestException(field, "is not a valid URL: " + e.getReason());
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private static <T> void reply(StreamObserver<T> observer, T value) {
    observer.onNext(value);
    observer.onCompleted();
  }
}
