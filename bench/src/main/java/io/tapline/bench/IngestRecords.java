package io.tapline.bench;

import com.google.protobuf.Timestamp;
import io.tapline.proto.v1.ApiCall;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The records the ingest benchmarks send. */
final class IngestRecords {

  /** Distinct records in the record-path benchmark's pool: {@value}. */
  static final int POOL = 2_000;

  /** Calls in a batch are from the last {@value} ms before it is sent, as an SDK's would be. */
  static final int RECENT_MILLIS = 5_000;

  private IngestRecords() {}

  /**
   * A pool whose timestamps are moved, every {@value #RESTAMP_MILLIS} ms, to the {@value
   * #RECENT_MILLIS} ms before that moment, so that the calls sent look recorded moments ago. It
   * keeps a builder per call: building one again after setting only its timestamp shares the
   * call's other fields, maps included, where {@code toBuilder()} would copy them.
   */
  static final class Recent {

    static final int RESTAMP_MILLIS = 2_000;

    private final List<ApiCall.Builder> builders = new ArrayList<>();
    private List<ApiCall> calls;
    private long stampedAtNanos;

    Recent(List<ApiCall> pool) {
      for (ApiCall call : pool) {
        builders.add(call.toBuilder());
      }
    }

    /** The calls, restamped first when their timestamps are older than the restamp interval. */
    List<ApiCall> calls() {
      long now = System.nanoTime();
      if (calls == null || now - stampedAtNanos > RESTAMP_MILLIS * 1_000_000L) {
        long from = System.currentTimeMillis() - RECENT_MILLIS;
        List<ApiCall> out = new ArrayList<>(builders.size());
        for (int i = 0; i < builders.size(); i++) {
          long millis = from + (long) i * RECENT_MILLIS / builders.size();
          Timestamp at =
              Timestamp.newBuilder()
                  .setSeconds(millis / 1000)
                  .setNanos((int) (millis % 1000) * 1_000_000)
                  .build();
          out.add(builders.get(i).setTimestamp(at).build());
        }
        calls = out;
        stampedAtNanos = now;
      }
      return calls;
    }
  }

  /**
   * Realistic calls of ~1 KB: JSON bodies, a dozen headers, a bearer token in every call and a
   * password field in the body of one call in ten, to mask.
   */
  static List<ApiCall> pool() {
    return pool(POOL, 42);
  }

  /** {@code size} distinct calls, from a generator seeded with {@code seed}. */
  static List<ApiCall> pool(int size, long seed) {
    Random random = new Random(seed);
    String[] services = {"checkout", "catalog", "accounts", "search"};
    String[] methods = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
    Instant base = Instant.now().minusSeconds(600);
    List<ApiCall> pool = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      long user = random.nextInt(1_000_000);
      String order = Long.toHexString(random.nextLong());
      String method = methods[random.nextInt(methods.length)];
      ApiCall.Builder call =
          ApiCall.newBuilder()
              .setTimestamp(Timestamp.newBuilder().setSeconds(base.getEpochSecond() + i % 600).setNanos(i * 1000))
              .setService(services[i % services.length])
              .setMethod(method)
              .setUrl("https://api.example.com/v1/users/" + user + "/orders/" + order + "?page=" + (i % 7) + "&limit=50")
              .setStatusCode(i % 50 == 0 ? 500 : i % 10 == 0 ? 404 : 200)
              .setLatencyMs(1 + random.nextDouble() * 250)
              .putRequestHeaders("accept", "application/json")
              .putRequestHeaders("content-type", "application/json")
              .putRequestHeaders("user-agent", "checkout-web/4.2.1 (Linux; x86_64)")
              .putRequestHeaders("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9." + order)
              .putRequestHeaders("x-request-id", order + "-" + i)
              .putRequestHeaders("accept-encoding", "gzip, br")
              .putResponseHeaders("content-type", "application/json; charset=utf-8")
              .putResponseHeaders("cache-control", "no-store")
              .putResponseHeaders("x-ratelimit-remaining", Integer.toString(random.nextInt(1000)))
              .setRequestBody(
                  "{\"customer\":{\"id\":\"cus_" + user + "\",\"email\":\"user" + user + "@example.com\"},"
                      + "\"items\":[{\"sku\":\"SKU-" + random.nextInt(10_000) + "\",\"quantity\":" + (1 + random.nextInt(5))
                      + ",\"price\":" + random.nextInt(10_000) / 100.0 + "},{\"sku\":\"SKU-" + random.nextInt(10_000)
                      + "\",\"quantity\":1,\"price\":12.5}],\"currency\":\"EUR\","
                      + (i % 10 == 0 ? "\"password\":\"hunter" + i + "\"," : "\"note\":\"leave at the door\",")
                      + "\"shipping\":{\"street\":\"" + random.nextInt(200) + " Main Street\",\"city\":\"Springfield\",\"zip\":\""
                      + (10_000 + random.nextInt(89_999)) + "\"}}")
              .setResponseBody(
                  "{\"id\":\"ord_" + order + "\",\"status\":\"accepted\",\"total\":" + random.nextInt(100_000) / 100.0
                      + ",\"created\":\"2026-01-01T00:00:00Z\",\"links\":{\"self\":\"/v1/orders/" + order + "\"}}")
              .setSourceIp("203.0." + random.nextInt(256) + "." + random.nextInt(256))
              .putTags("region", i % 2 == 0 ? "eu-west-1" : "us-east-1")
              .putTags("version", "2.3." + (i % 5))
              .setTraceId(Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()))
              .setSpanId(Long.toHexString(random.nextLong()))
              .setCustomerId("cus_" + user % 500);
      pool.add(call.build());
    }
    return pool;
  }

}
