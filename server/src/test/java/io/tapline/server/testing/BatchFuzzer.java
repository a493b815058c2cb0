package io.tapline.server.testing;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.server.api.JsonCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * Seeded batches for fuzzing the record path: valid calls, some of them mutated (huge fields,
 * deeply nested or cut-off JSON bodies, odd URLs, random maps, odd numbers, random text, invalid
 * UTF-8 and damaged bytes in protobuf, lone surrogates in JSON). The same seed gives the same
 * batches. Every batch stays a well-formed message within the server's size limit, so the server
 * must answer each one and refuse mutated records one by one: calls left as generated must be
 * stored.
 */
public final class BatchFuzzer {

  /** How a batch is sent. */
  public enum Encoding {
    PROTOBUF,
    JSON
  }

  /**
   * A batch to send: its protobuf bytes or its JSON text, its number of calls, the calls left as
   * generated (which must be stored), and what was done to the others.
   */
  public record Batch(
      long number,
      Encoding encoding,
      byte[] protobuf,
      String json,
      int calls,
      BitSet untouched,
      List<String> mutations) {}

  /**
   * The most bytes the mutated calls of a batch take together: {@value}, half the default limit.
   */
  private static final long MAX_BATCH_BYTES = 8 << 20;

  /** Replaced by a lone surrogate's escape in JSON text. */
  private static final String LONE_SURROGATE = "LONESURROGATEMARK";

  private static final String[] ODD_URLS = {
    "",
    "/",
    "//",
    "http://",
    "https://[::1",
    "http://a b.test/x y",
    "https://a.test/%zz%",
    "https://a.test/#access_token=secret-token",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https://user:password@a.test/",
    "https://a.test/?password=1&password=2&&=&x",
    "https://a.test:99999/",
    "https://ü.test/ü?ü=ü",
    "https://a.test/" + "a/".repeat(3000),
    "http://0x7f.1/",
    "http://[::ffff:169.254.169.254]/latest",
    "mailto:a@b",
    "?",
    "#",
    "\t\n",
    "https://a.test/\u0000/\u0001",
    "https://a.test/?token=" + "x".repeat(10_000),
  };

  private static final String[] STRING_FIELDS = {
    "id",
    "service",
    "method",
    "url",
    "path",
    "route",
    "request_body",
    "response_body",
    "error",
    "source_ip",
    "trace_id",
    "span_id",
    "customer_id",
    "api_key_id",
    "plan",
  };

  private final SplittableRandom random;
  private final String service;
  private long number;

  public BatchFuzzer(long seed, String service) {
    this.random = new SplittableRandom(seed);
    this.service = service;
  }

  /** The next batch of {@code calls} calls, about a third of them mutated. */
  public Batch next(int calls) {
    long n = number++;
    Encoding encoding = random.nextBoolean() ? Encoding.PROTOBUF : Encoding.JSON;
    BitSet untouched = new BitSet(calls);
    List<String> mutations = new ArrayList<>();
    List<byte[]> callBytes = new ArrayList<>();
    List<ApiCall> parsed = new ArrayList<>();
    long total = 0;
    for (int i = 0; i < calls; i++) {
      ApiCall.Builder call = validCall(i);
      if (random.nextInt(3) != 0) {
        untouched.set(i);
        parsed.add(call.build());
        callBytes.add(call.build().toByteArray());
        continue;
      }
      StringBuilder done = new StringBuilder();
      int count = 1 + random.nextInt(3);
      for (int m = 0; m < count; m++) {
        done.append(m == 0 ? "" : ", ").append(mutate(call, encoding));
      }
      byte[] bytes = call.build().toByteArray();
      if (encoding == Encoding.PROTOBUF && random.nextInt(4) == 0) {
        bytes = damage(bytes, done);
      }
      long size =
          encoding == Encoding.PROTOBUF
              ? bytes.length
              : JsonCodec.print(call.build()).getBytes(StandardCharsets.UTF_8).length;
      if (total + size > MAX_BATCH_BYTES) {
        // Over the budget: a valid call instead, so that the batch stays within the limit.
        ApiCall valid = validCall(i).build();
        untouched.set(i);
        parsed.add(valid);
        callBytes.add(valid.toByteArray());
        continue;
      }
      total += size;
      mutations.add("call " + i + ": " + done);
      parsed.add(call.build());
      callBytes.add(bytes);
    }
    String batchId = "fuzz-" + Long.toHexString(random.nextLong()) + "-" + n;
    if (encoding == Encoding.PROTOBUF) {
      return new Batch(n, encoding, frame(batchId, callBytes), null, calls, untouched, mutations);
    }
    String json =
        JsonCodec.print(IngestRequest.newBuilder().setBatchId(batchId).addAllCalls(parsed).build())
            .replace(LONE_SURROGATE, "\\ud800");
    return new Batch(n, encoding, null, json, calls, untouched, mutations);
  }

  /** A call the server stores as it is. */
  private ApiCall.Builder validCall(int i) {
    Instant now = Instant.now().minusMillis(random.nextInt(60_000));
    return ApiCall.newBuilder()
        .setTimestamp(
            Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setService(service)
        .setMethod(random.nextBoolean() ? "GET" : "POST")
        .setUrl("https://shop.test/orders/" + random.nextInt(1000) + "?page=" + i)
        .setStatusCode(random.nextBoolean() ? 200 : 503)
        .setLatencyMs(random.nextDouble() * 100)
        .putRequestHeaders("content-type", "application/json")
        .putRequestHeaders("authorization", "Bearer abc." + random.nextInt())
        .setRequestBody("{\"sku\":\"sku-" + random.nextInt(100) + "\",\"password\":\"p\"}")
        .setResponseBody("{\"ok\":true}")
        .putTags("region", "eu")
        .setCustomerId("c" + random.nextInt(10));
  }

  /** Applies one random mutation and says which. */
  private String mutate(ApiCall.Builder call, Encoding encoding) {
    switch (random.nextInt(9)) {
      case 0 -> {
        String field = pick(STRING_FIELDS);
        setString(call, field, text(100_000 + random.nextInt(1_000_000)));
        return "huge " + field;
      }
      case 1 -> {
        int depth = 1 + random.nextInt(200_000);
        String open = random.nextBoolean() ? "[" : "{\"a\":";
        String body = open.repeat(depth) + (random.nextBoolean() ? "\"password\":\"x\"" : "1");
        setString(call, random.nextBoolean() ? "request_body" : "response_body", body);
        return "nested body, depth " + depth;
      }
      case 2 -> {
        call.setRequestBody(
            "{\"user\":\"a\",\"password\":\"hunter2\",\"data\":\"" + text(random.nextInt(200_000)));
        call.putRequestHeaders("content-type", pick("application/json", "", "text/plain"));
        return "cut-off JSON body";
      }
      case 3 -> {
        call.setUrl(random.nextBoolean() ? pick(ODD_URLS) : text(random.nextInt(20_000)));
        return "odd url";
      }
      case 4 -> {
        int size = random.nextInt(600);
        BiConsumer<String, String> put =
            switch (random.nextInt(4)) {
              case 0 -> call::putRequestHeaders;
              case 1 -> call::putResponseHeaders;
              case 2 -> call::putTags;
              default -> call::putQueryParams;
            };
        for (int i = 0; i < size; i++) {
          put.accept(
              text(random.nextInt(300)), text(random.nextInt(random.nextBoolean() ? 50 : 20_000)));
        }
        return "random map of " + size;
      }
      case 5 -> {
        call.setStatusCode(random.nextInt());
        call.setLatencyMs(
            pick(new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY, 1e300, -0.0}));
        call.setRequestBodySize(random.nextLong());
        call.setSampleRate(pick(new double[] {0, -1, 2, Double.NaN, 1e-300}));
        if (encoding == Encoding.PROTOBUF) {
          call.setTimestamp(
              Timestamp.newBuilder().setSeconds(random.nextLong()).setNanos(random.nextInt()));
        }
        return "odd numbers";
      }
      case 6 -> {
        String field = pick(STRING_FIELDS);
        setString(call, field, text(random.nextInt(200)));
        return "random text in " + field;
      }
      case 7 -> {
        String field = pick(STRING_FIELDS);
        if (encoding == Encoding.JSON) {
          setString(call, field, "x" + LONE_SURROGATE + "y");
          return "lone surrogate in " + field;
        }
        setString(call, field, "");
        call.putRequestHeaders("x-" + random.nextInt(100), text(random.nextInt(100)));
        return "emptied " + field;
      }
      default -> {
        call.setError(text(random.nextInt(100_000)));
        call.putTags(text(random.nextInt(100)), text(random.nextInt(10_000)));
        return "long error and tag";
      }
    }
  }

  /** Damages a call's protobuf bytes: invalid UTF-8, flipped bytes or a cut. */
  private byte[] damage(byte[] bytes, StringBuilder done) {
    if (bytes.length == 0) {
      return bytes;
    }
    byte[] out = bytes.clone();
    switch (random.nextInt(3)) {
      case 0 -> {
        // Turn a byte of printable text into the start of a three-byte sequence with no rest.
        for (int tries = 0; tries < 50; tries++) {
          int at = random.nextInt(out.length);
          if (out[at] >= 'a' && out[at] <= 'z') {
            out[at] = (byte) 0xE2;
            done.append(", invalid UTF-8 at byte ").append(at);
            return out;
          }
        }
        done.append(", no text to make invalid");
        return out;
      }
      case 1 -> {
        int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips; i++) {
          out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        }
        done.append(", ").append(flips).append(" bits flipped");
        return out;
      }
      default -> {
        int length = random.nextInt(out.length);
        done.append(", cut to ").append(length).append(" bytes");
        return java.util.Arrays.copyOf(out, length);
      }
    }
  }

  /** An IngestRequest's bytes, written field by field so that damaged calls stay framed. */
  private static byte[] frame(String batchId, List<byte[]> calls) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeString(IngestRequest.BATCH_ID_FIELD_NUMBER, batchId);
      for (byte[] call : calls) {
        out.writeByteArray(IngestRequest.CALLS_FIELD_NUMBER, call);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void setString(ApiCall.Builder call, String field, String value) {
    call.setField(ApiCall.getDescriptor().findFieldByName(field), value);
  }

  /** Random text: ASCII, control characters, accents, CJK, emoji and the odd separator. */
  private String text(int length) {
    StringBuilder out = new StringBuilder(length);
    int kind = random.nextInt(4);
    while (out.length() < length) {
      switch (kind == 3 ? random.nextInt(6) : kind) {
        case 0 -> out.append((char) (' ' + random.nextInt(95)));
        case 1 -> out.append((char) random.nextInt(32));
        case 2 ->
            out.append(
                pick("é", "ß", "中", "🙂", "\u2028", "\u00a0", "\uFEFF", "=", "&", "%", "\""));
        case 3 -> out.append("password=").append(random.nextInt());
        case 4 -> out.append("{\"token\":\"").append(random.nextInt()).append("\"}");
        default -> out.append("4111 1111 1111 1111");
      }
    }
    return out.toString();
  }

  @SafeVarargs
  private <T> T pick(T... values) {
    return values[random.nextInt(values.length)];
  }

  private double pick(double[] values) {
    return values[random.nextInt(values.length)];
  }
}
