package io.tapline.bench;

import com.google.protobuf.Timestamp;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.DriftServiceGrpc;
import io.tapline.proto.v1.FeatureDrift;
import io.tapline.proto.v1.FieldRule;
import io.tapline.proto.v1.FieldSource;
import io.tapline.proto.v1.FieldType;
import io.tapline.proto.v1.GetDriftRequest;
import io.tapline.proto.v1.GetDriftResponse;
import io.tapline.proto.v1.Service;
import io.tapline.proto.v1.UpdateServiceRequest;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.TaplineConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * GetDrift over 10 million calls of one service through the real gRPC API: five features (latency,
 * status code, route, a number field and a string field), the older half of the calls as the
 * reference window and the newer half, with slower calls and another label mix, as the current one.
 * Prints the median and the slowest of the timed runs, the engine's CPU time per run, calls per
 * engine CPU-second, and the scores (the shift must show).
 *
 * <p>The calls are generated inside ClickHouse and kept in the data directory (database
 * drift_bench) for the next run. Usage: {@code ./bench/run DriftBenchmark [rows] [runs] [data-dir]}
 * (defaults 10000000, 7, target/query-bench).
 */
public final class DriftBenchmark {

  private static final List<String> FEATURES =
      List.of(
          "latency_ms", "status_code", "route", "field:prediction.score", "field:prediction.label");

  private DriftBenchmark() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : QueryBenchmark.DEFAULT_ROWS;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : QueryBenchmark.DEFAULT_RUNS;
    Path dataDir = Path.of(args.length > 2 ? args[2] : "target/query-bench").toAbsolutePath();
    String adminKey = ApiKeys.generate().key();
    TaplineConfig config = QueryBenchmark.dataConfig(dataDir, adminKey, "drift_bench");
    try (TaplineServer server = TaplineServer.start(config)) {
      long[] range = load(server, rows);
      ManagedChannel channel = QueryBenchmark.channel(server);
      Channel authed = QueryBenchmark.withKey(channel, adminKey);
      var admin = AdminServiceGrpc.newBlockingStub(authed);
      try {
        admin.createService(CreateServiceRequest.newBuilder().setService(service()).build());
      } catch (io.grpc.StatusRuntimeException e) { // kept from an earlier run
        admin.updateService(UpdateServiceRequest.newBuilder().setService(service()).build());
      }
      var drift = DriftServiceGrpc.newBlockingStub(authed);
      long middle = (range[0] + range[1]) / 2;
      GetDriftRequest request =
          GetDriftRequest.newBuilder()
              .setFilter(
                  CallFilter.newBuilder()
                      .setService("model")
                      .setStartTime(timestamp(middle))
                      .setEndTime(timestamp(range[1] + 1)))
              .setReferenceStartTime(timestamp(range[0]))
              .setReferenceEndTime(timestamp(middle))
              .addAllFeatures(FEATURES)
              .build();
      GetDriftResponse response = drift.getDrift(request); // warm-up
      ProcessHandle engine = ProcessHandle.of(server.engine().pid()).orElseThrow();
      double[] millis = new double[runs];
      Duration cpuBefore = engine.info().totalCpuDuration().orElse(Duration.ZERO);
      for (int i = 0; i < runs; i++) {
        long start = System.nanoTime();
        response = drift.getDrift(request);
        millis[i] = (System.nanoTime() - start) / 1e6;
      }
      double cpuSeconds =
          (engine.info().totalCpuDuration().orElse(Duration.ZERO).toNanos() - cpuBefore.toNanos())
              / 1e9
              / runs;
      Arrays.sort(millis);
      System.out.printf(
          Locale.ROOT,
          "%n%d calls (reference and current half each), %d features, %d timed runs, %d cores,"
              + " load %s%n",
          rows,
          FEATURES.size(),
          runs,
          Runtime.getRuntime().availableProcessors(),
          QueryBenchmark.loadAverage());
      System.out.printf(
          Locale.ROOT,
          "GetDrift: median %.1f ms, slowest %.1f ms; engine CPU %.2f s per run, %,.0f calls per"
              + " engine CPU-second%n",
          QueryBenchmark.median(millis),
          millis[runs - 1],
          cpuSeconds,
          rows / cpuSeconds);
      System.out.printf(Locale.ROOT, "%-26s %8s %8s %8s %8s%n", "feature", "psi", "js", "ks", "w1");
      for (FeatureDrift d : response.getFeaturesList()) {
        System.out.printf(
            Locale.ROOT,
            "%-26s %8.4f %8.4f %8s %8s%n",
            d.getFeature(),
            d.getPsi(),
            d.getJensenShannon(),
            d.hasKs() ? String.format(Locale.ROOT, "%.4f", d.getKs()) : "-",
            d.hasWasserstein() ? String.format(Locale.ROOT, "%.3f", d.getWasserstein()) : "-");
      }
      channel.shutdownNow();
    }
  }

  private static Service service() {
    return Service.newBuilder()
        .setName("model")
        .addFields(
            FieldRule.newBuilder()
                .setName("prediction.score")
                .setType(FieldType.FIELD_TYPE_NUMBER)
                .setSource(FieldSource.FIELD_SOURCE_RESPONSE_BODY)
                .setPath("/prediction/score"))
        .addFields(
            FieldRule.newBuilder()
                .setName("prediction.label")
                .setType(FieldType.FIELD_TYPE_STRING)
                .setSource(FieldSource.FIELD_SOURCE_RESPONSE_BODY)
                .setPath("/prediction/label"))
        .build();
  }

  private static Timestamp timestamp(long micros) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(micros, 1_000_000))
        .setNanos((int) Math.floorMod(micros, 1_000_000) * 1000)
        .build();
  }

  /**
   * Loads {@code rows} calls of service "model" unless they are there already; returns the first
   * and last call's time in microseconds.
   */
  private static long[] load(TaplineServer server, long rows) throws Exception {
    try (Connection connection = QueryBenchmark.engineConnection(server);
        Statement statement = connection.createStatement()) {
      if (count(statement) != rows) {
        statement.execute("TRUNCATE TABLE api_calls");
        System.out.println("Loading " + rows + " calls...");
        long start = System.nanoTime();
        statement.execute(GENERATE.replace("{rows}", Long.toString(rows)));
        statement.execute("OPTIMIZE TABLE api_calls FINAL");
        System.out.printf(Locale.ROOT, "Loaded in %.1f s%n", (System.nanoTime() - start) / 1e9);
      } else {
        System.out.println("Reusing " + rows + " calls already loaded");
      }
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT toUnixTimestamp64Micro(min(timestamp)),"
                  + " toUnixTimestamp64Micro(max(timestamp)) FROM api_calls")) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  private static long count(Statement statement) throws Exception {
    try (ResultSet rs = statement.executeQuery("SELECT count() FROM api_calls")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Calls of one model-serving service over 24 hours (starting a day ago): log-normal latencies, a
   * score and a label extracted from the response; the newer half is slower, scores lower and has
   * more "bird" labels and 5xx.
   */
  private static final String GENERATE =
      """
      INSERT INTO api_calls (timestamp, id, service, method, url, path, route, status_code,
        latency_us, customer_id, plan, string_fields, number_fields, batch_id)
      SELECT ts, id, 'model', 'POST', concat('https://model.example.com', route), route, route,
        status, latency, customer, 'pro', map('prediction.label', label),
        map('prediction.score', score), 'bench'
      FROM
      (
        SELECT
          number AS n,
          n >= {rows} / 2 AS newer,
          now64(6) - INTERVAL 1 DAY + toIntervalMicrosecond(intDiv(n * 86400000000, {rows})) AS ts,
          toString(generateUUIDv4(n)) AS id,
          ['/v1/predict', '/v1/predict', '/v1/predict', '/v1/batch', '/v1/explain'][
            cityHash64(n, 1) % 5 + 1] AS route,
          if(cityHash64(n, 2) % 100 < if(newer, 8, 3), 503, 200) AS status,
          toUInt32(exp(if(newer, 10.9, 10.6) + 0.5
            * sqrt(-2 * log((cityHash64(n, 3) % 1000000 + 1) / 1000001.))
            * cos(2 * pi() * (cityHash64(n, 4) % 1000000) / 1000000.))) AS latency,
          concat('cust-', toString(cityHash64(n, 5) % 500)) AS customer,
          multiIf(cityHash64(n, 6) % 100 < if(newer, 35, 50), 'cat',
                  cityHash64(n, 6) % 100 < 80, 'dog', 'bird') AS label,
          round(least(1, greatest(0, if(newer, 0.62, 0.7) + 0.12
            * sqrt(-2 * log((cityHash64(n, 7) % 1000000 + 1) / 1000001.))
            * cos(2 * pi() * (cityHash64(n, 8) % 1000000) / 1000000.))), 4) AS score
        FROM numbers({rows})
      )
      SETTINGS max_insert_threads = 2
      """;
}
