package io.tapline.bench;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import com.google.protobuf.WireFormat;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
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
   * IngestStream batches encoded as a generated client would encode them, byte for byte, from a
   * pool of calls whose other fields are encoded once: each batch only encodes its id and each
   * call's timestamp, fresh for every batch (the {@value #RECENT_MILLIS} ms before it is made, in
   * order). So the generator spends its CPU on sending rather than on encoding the same fields
   * again, and no two batches carry equal calls.
   */
  static final class Encoder {

    /** Each call encoded without its timestamp (field 2, the first one set, as id is empty). */
    private final byte[][] rest;

    Encoder(List<ApiCall> pool) {
      rest = new byte[pool.size()][];
      for (int i = 0; i < rest.length; i++) {
        ApiCall call = pool.get(i);
        if (!call.getId().isEmpty()) {
          throw new IllegalArgumentException("pool calls leave their id to the server");
        }
        rest[i] = call.toBuilder().clearTimestamp().build().toByteArray();
      }
    }

    int poolSize() {
      return rest.length;
    }

    /**
     * The encoded IngestRequest of {@code size} calls from pool position {@code from} on (wrapping
     * around), stamped over the {@value #RECENT_MILLIS} ms before {@code nowMillis}.
     */
    byte[] batch(String batchId, int from, int size, long nowMillis) {
      Timestamp[] stamps = new Timestamp[size];
      int[] callSizes = new int[size];
      int total = batchId.isEmpty() ? 0 : CodedOutputStream.computeStringSize(1, batchId);
      for (int i = 0; i < size; i++) {
        stamps[i] = stamp(nowMillis, i, size);
        callSizes[i] = CodedOutputStream.computeMessageSize(2, stamps[i]) + fields(from + i).length;
        total +=
            CodedOutputStream.computeTagSize(2)
                + CodedOutputStream.computeUInt32SizeNoTag(callSizes[i])
                + callSizes[i];
      }
      byte[] out = new byte[total];
      CodedOutputStream encoder = CodedOutputStream.newInstance(out);
      try {
        if (!batchId.isEmpty()) {
          encoder.writeString(1, batchId);
        }
        for (int i = 0; i < size; i++) {
          encoder.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED); // IngestRequest.calls
          encoder.writeUInt32NoTag(callSizes[i]);
          encoder.writeMessage(2, stamps[i]); // ApiCall.timestamp, then its other fields
          encoder.writeRawBytes(fields(from + i));
        }
        encoder.checkNoSpaceLeft();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out;
    }

    /** What {@link #batch} encodes, built as a client would build it (to check the encoding). */
    IngestRequest request(List<ApiCall> pool, String batchId, int from, int size, long nowMillis) {
      IngestRequest.Builder request = IngestRequest.newBuilder().setBatchId(batchId);
      for (int i = 0; i < size; i++) {
        request.addCalls(
            pool.get((from + i) % pool.size()).toBuilder().setTimestamp(stamp(nowMillis, i, size)));
      }
      return request.build();
    }

    private byte[] fields(int position) {
      return rest[position % rest.length];
    }

    private static Timestamp stamp(long nowMillis, int i, int size) {
      long millis = nowMillis - RECENT_MILLIS + (long) i * RECENT_MILLIS / size;
      return Timestamp.newBuilder()
          .setSeconds(Math.floorDiv(millis, 1000))
          .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000)
          .build();
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
              .setTimestamp(
                  Timestamp.newBuilder()
                      .setSeconds(base.getEpochSecond() + i % 600)
                      .setNanos(i * 1000))
              .setService(services[i % services.length])
              .setMethod(method)
              .setUrl(
                  "https://api.example.com/v1/users/"
                      + user
                      + "/orders/"
                      + order
                      + "?page="
                      + (i % 7)
                      + "&limit=50")
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
                  "{\"customer\":{\"id\":\"cus_"
                      + user
                      + "\",\"email\":\"user"
                      + user
                      + "@example.com\"},"
                      + "\"items\":[{\"sku\":\"SKU-"
                      + random.nextInt(10_000)
                      + "\",\"quantity\":"
                      + (1 + random.nextInt(5))
                      + ",\"price\":"
                      + random.nextInt(10_000) / 100.0
                      + "},{\"sku\":\"SKU-"
                      + random.nextInt(10_000)
                      + "\",\"quantity\":1,\"price\":12.5}],\"currency\":\"EUR\","
                      + (i % 10 == 0
                          ? "\"password\":\"hunter" + i + "\","
                          : "\"note\":\"leave at the door\",")
                      + "\"shipping\":{\"street\":\""
                      + random.nextInt(200)
                      + " Main Street\",\"city\":\"Springfield\",\"zip\":\""
                      + (10_000 + random.nextInt(89_999))
                      + "\"}}")
              .setResponseBody(
                  "{\"id\":\"ord_"
                      + order
                      + "\",\"status\":\"accepted\",\"total\":"
                      + random.nextInt(100_000) / 100.0
                      + ",\"created\":\"2026-01-01T00:00:00Z\",\"links\":{\"self\":\"/v1/orders/"
                      + order
                      + "\"}}")
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
