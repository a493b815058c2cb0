package io.tapline.bench;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.Dimension;
import io.tapline.proto.v1.GetBreakdownRequest;
import io.tapline.proto.v1.GetMetricsRequest;
import io.tapline.proto.v1.GetTimeSeriesRequest;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.app.TaplineServer;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedClickHouse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * Query latency over the real gRPC API on 10 million realistic calls, all within the last 24 hours
 * (so every query below reads every row unless it filters).
 *
 * <p>The calls are generated inside ClickHouse ({@code INSERT ... SELECT FROM numbers(N)}): five
 * services, 30 routes each, log-normal latencies (median about 33 ms), 10 % 5xx, 2000 customers on
 * three plans, sampled calls for one service, bodies of a few hundred bytes. They stay in the data
 * directory and are reused while they still lie within the last day.
 *
 * <p>Usage: {@code ./bench/run QueryBenchmark [rows] [runs] [data-dir] [--older=N --days=D]}
 * (defaults 10000000, 7, target/query-bench). Prints the median and p95 of each query in
 * milliseconds. With {@code --older}, N more calls lie in the D - 1 days before the last one (in a
 * database of their own), and queries over the D days are timed too: how cost grows with data.
 */
public final class QueryBenchmark {

  /** Rows loaded when no count is given: {@value}. */
  static final long DEFAULT_ROWS = 10_000_000;

  /** Timed runs per query when none is given: {@value}. */
  static final int DEFAULT_RUNS = 7;

  private QueryBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<String> positional = new ArrayList<>();
    long older = 0;
    int days = 1;
    for (String arg : args) {
      if (arg.startsWith("--older=")) {
        older = Long.parseLong(arg.substring("--older=".length()));
      } else if (arg.startsWith("--days=")) {
        days = Integer.parseInt(arg.substring("--days=".length()));
      } else {
        positional.add(arg);
      }
    }
    long rows = positional.size() > 0 ? Long.parseLong(positional.get(0)) : DEFAULT_ROWS;
    int runs = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : DEFAULT_RUNS;
    Path dataDir =
        Path.of(positional.size() > 2 ? positional.get(2) : "target/query-bench").toAbsolutePath();
    String adminKey = ApiKeys.generate().key();
    // With older calls, a database of its own: the 24-hour load stays reusable.
    TaplineConfig config =
        older > 0
            ? dataConfig(dataDir, adminKey, "query_bench_" + days + "d")
            : dataConfig(dataDir, adminKey);
    try (TaplineServer server = TaplineServer.start(config)) {
      load(server, rows, older, days);
      ManagedChannel channel = channel(server);
      Channel authed = withKey(channel, adminKey);
      var query = QueryServiceGrpc.newBlockingStub(authed);

      // Analytics default to the last 24 hours; searches are given them, so that with older calls
      // loaded every query below still reads the last day.
      Map<String, Supplier<Object>> queries = new LinkedHashMap<>();
      queries.put(
          "GetMetrics, all calls, 24h",
          () -> query.getMetrics(GetMetricsRequest.getDefaultInstance()));
      queries.put(
          "GetMetrics, one service, 24h",
          () ->
              query.getMetrics(
                  GetMetricsRequest.newBuilder()
                      .setFilter(CallFilter.newBuilder().setService("checkout"))
                      .build()));
      queries.put(
          "GetMetrics, one customer (raw table)",
          () ->
              query.getMetrics(
                  GetMetricsRequest.newBuilder()
                      .setFilter(CallFilter.newBuilder().setCustomerId("cust-3"))
                      .build()));
      queries.put(
          "GetBreakdown, top 20 routes",
          () ->
              query.getBreakdown(
                  GetBreakdownRequest.newBuilder()
                      .addDimensions(Dimension.DIMENSION_ROUTE)
                      .setLimit(20)
                      .build()));
      queries.put(
          "GetBreakdown, plan x status class",
          () ->
              query.getBreakdown(
                  GetBreakdownRequest.newBuilder()
                      .addDimensions(Dimension.DIMENSION_PLAN)
                      .addDimensions(Dimension.DIMENSION_STATUS_CLASS)
                      .setLimit(100)
                      .build()));
      queries.put(
          "GetBreakdown, top 10 customers",
          () ->
              query.getBreakdown(
                  GetBreakdownRequest.newBuilder()
                      .addDimensions(Dimension.DIMENSION_CUSTOMER)
                      .setLimit(10)
                      .build()));
      queries.put(
          "SearchCalls, service + customer + 5xx",
          () ->
              query.searchCalls(
                  SearchCallsRequest.newBuilder()
                      .setFilter(
                          lastDays(1)
                              .setService("payments")
                              .setCustomerId("cust-1500")
                              .setStatusCode(503))
                      .setPageSize(50)
                      .build()));
      queries.put(
          "SearchCalls, API key + 503, all services",
          () ->
              query.searchCalls(
                  SearchCallsRequest.newBuilder()
                      .setFilter(lastDays(1).setApiKeyId("key-cust-1700").setStatusCode(503))
                      .setPageSize(50)
                      .build()));
      queries.put(
          "SearchCalls, service, newest 50",
          () ->
              query.searchCalls(
                  SearchCallsRequest.newBuilder()
                      .setFilter(lastDays(1).setService("users"))
                      .setPageSize(50)
                      .build()));
      queries.put(
          "SearchCalls, text in bodies (1 service)",
          () ->
              query.searchCalls(
                  SearchCallsRequest.newBuilder()
                      .setFilter(lastDays(1).setService("catalog").setText("SKU-4242\""))
                      .setPageSize(50)
                      .build()));
      queries.put(
          "GetTimeSeries, 24h, 5 min buckets",
          () -> query.getTimeSeries(GetTimeSeriesRequest.getDefaultInstance()));
      queries.put(
          "GetTimeSeries, 24h, split by service",
          () ->
              query.getTimeSeries(
                  GetTimeSeriesRequest.newBuilder()
                      .setSplitBy(Dimension.DIMENSION_SERVICE)
                      .build()));

      if (older > 0) {
        CallFilter.Builder span = lastDays(days);
        queries.put(
            "GetMetrics, all calls, " + days + "d",
            () -> query.getMetrics(GetMetricsRequest.newBuilder().setFilter(span).build()));
        queries.put(
            "GetMetrics, one service, " + days + "d",
            () ->
                query.getMetrics(
                    GetMetricsRequest.newBuilder()
                        .setFilter(span.clone().setService("checkout"))
                        .build()));
        queries.put(
            "GetBreakdown, top 20 routes, " + days + "d",
            () ->
                query.getBreakdown(
                    GetBreakdownRequest.newBuilder()
                        .setFilter(span)
                        .addDimensions(Dimension.DIMENSION_ROUTE)
                        .setLimit(20)
                        .build()));
        queries.put(
            "GetBreakdown, top 10 customers, " + days + "d",
            () ->
                query.getBreakdown(
                    GetBreakdownRequest.newBuilder()
                        .setFilter(span)
                        .addDimensions(Dimension.DIMENSION_CUSTOMER)
                        .setLimit(10)
                        .build()));
        queries.put(
            "SearchCalls, one customer, " + days + "d",
            () ->
                query.searchCalls(
                    SearchCallsRequest.newBuilder()
                        .setFilter(span.clone().setCustomerId("cust-1500"))
                        .setPageSize(50)
                        .build()));
        queries.put(
            "GetTimeSeries, " + days + "d",
            () -> query.getTimeSeries(GetTimeSeriesRequest.newBuilder().setFilter(span).build()));
      }

      System.out.printf(
          Locale.ROOT,
          "%n%d calls in the last 24 hours and %d in the %d days before, %d timed runs after one"
              + " warm-up, %d cores, load %s%n",
          rows,
          older,
          days - 1,
          runs,
          Runtime.getRuntime().availableProcessors(),
          loadAverage());
      System.out.printf(Locale.ROOT, "%-42s %10s %10s%n", "query", "median ms", "p95 ms");
      for (Map.Entry<String, Supplier<Object>> entry : queries.entrySet()) {
        Objects.requireNonNull(entry.getValue().get(), entry.getKey()); // warm-up
        double[] millis = new double[runs];
        for (int i = 0; i < runs; i++) {
          long start = System.nanoTime();
          Objects.requireNonNull(entry.getValue().get(), entry.getKey());
          millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        System.out.printf(
            Locale.ROOT,
            "%-42s %10.1f %10.1f%n",
            entry.getKey(),
            median(millis),
            millis[(int) Math.ceil(0.95 * runs) - 1]);
      }
      channel.shutdownNow();
    }
  }

  /** A plaintext gRPC channel to the server over loopback. */
  static ManagedChannel channel(TaplineServer server) {
    return Grpc.newChannelBuilderForAddress(
            "127.0.0.1", server.port(), InsecureChannelCredentials.create())
        .maxInboundMessageSize(64 << 20)
        .build();
  }

  /** {@code channel} with {@code key} sent as the bearer of every call. */
  static Channel withKey(Channel channel, String key) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** The 1, 5 and 15 minute load averages where the system tells them: figures depend on them. */
  static String loadAverage() {
    try {
      String[] fields = java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /**
   * Loads {@code rows} calls unless the table already holds them, all within the last 24 hours (the
   * default window of the analytics queries; a load stays usable for about 50 minutes).
   */
  /**
   * A server on the benchmark data in {@code dataDir} (database query_bench), on a free port, with
   * {@code adminKey}: what QueryBenchmark, ConsoleBenchmark and ExportBenchmark start.
   */
  static TaplineConfig dataConfig(Path dataDir, String adminKey) {
    return dataConfig(dataDir, adminKey, "query_bench");
  }

  /** The same in another database. */
  static TaplineConfig dataConfig(Path dataDir, String adminKey, String database) {
    return ConfigLoader.load(
        new String[] {
          "--server.port=0",
          "--embedded.data-dir=" + dataDir,
          "--embedded.library=" + System.getProperty("tapline.chdb.library"),
          "--clickhouse.database=" + database,
          "--auth.bootstrap-admin-key=" + adminKey
        });
  }

  /**
   * A connection to the server's engine and database of its own: the server's pools stop statements
   * after seconds, and loading or writing a file of 10 million calls takes minutes.
   */
  static Connection engineConnection(TaplineServer server) throws SQLException {
    EmbeddedClickHouse engine = server.engine();
    Properties credentials = new Properties();
    credentials.setProperty("user", engine.user());
    credentials.setProperty("password", engine.password());
    return DriverManager.getConnection(
        engine.jdbcUrl() + "/" + server.storage().database(), credentials);
  }

  /** The last {@code days} days, to the minute. */
  static CallFilter.Builder lastDays(int days) {
    long now = System.currentTimeMillis() / 60_000 * 60;
    return CallFilter.newBuilder()
        .setStartTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(now - days * 86_400L))
        .setEndTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(now + 60));
  }

  static void load(TaplineServer server, long rows) throws SQLException {
    load(server, rows, 0, 1);
  }

  /**
   * Loads {@code rows} calls within the last 23 hours and {@code older} calls in the {@code days -
   * 1} days before, unless the table holds them already.
   */
  static void load(TaplineServer server, long rows, long older, int days) throws SQLException {
    try (Connection connection = engineConnection(server);
        Statement statement = connection.createStatement()) {
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT count(), countIf(timestamp < now64(6) - INTERVAL 24 HOUR),"
                  + " countIf(timestamp < now64(6) - INTERVAL "
                  + days
                  + " DAY) FROM api_calls")) {
        rs.next();
        if (rs.getLong(1) == rows + older && rs.getLong(2) == older && rs.getLong(3) == 0) {
          System.out.println("Reusing " + (rows + older) + " calls already loaded");
          return;
        }
      }
      // api_calls and the rollups its materialized views feed (which are not emptied with it),
      // found rather than listed, so that no rollup keeps rows of an earlier load.
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT name FROM system.tables WHERE database = currentDatabase()"
                  + " AND startsWith(name, 'api_calls') AND engine LIKE '%MergeTree'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String table : tables) {
        statement.execute("TRUNCATE TABLE " + table);
      }
      System.out.println("Loading " + rows + " + " + older + " calls...");
      long start = System.nanoTime();
      statement.execute(
          GENERATE
              .replace("{first}", "0")
              .replace("{rows}", Long.toString(rows))
              .replace("{span}", "82800000000")
              .replace("{before}", "0"));
      if (older > 0) {
        // Spread over the days before the last one, in one INSERT per day (bounded memory).
        long perDay = older / (days - 1);
        for (int day = 1; day < days; day++) {
          long count = day == days - 1 ? older - perDay * (days - 2) : perDay;
          statement.execute(
              GENERATE
                  .replace("{first}", Long.toString(rows + perDay * (day - 1)))
                  .replace("{rows}", Long.toString(count))
                  // 23 hours of each day, like the last day's: the oldest stay an hour inside
                  // the retention (30 days), whose TTL would otherwise drop some at the merge.
                  .replace("{span}", "82800000000")
                  .replace("{before}", Long.toString(day * 86_400_000_000L)));
        }
      }
      for (String table : tables) {
        statement.execute("OPTIMIZE TABLE " + table + " FINAL");
      }
      System.out.printf(Locale.ROOT, "Loaded in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * Realistic calls generated by ClickHouse itself: {rows} calls numbered from {first}, spread over
   * {span} microseconds ending {before} microseconds (and 5 minutes) ago.
   */
  static final String GENERATE =
      """
      INSERT INTO api_calls (timestamp, id, service, method, url, path, route, query_params,
        request_headers, response_headers, request_body, request_body_size, response_body,
        response_body_size, status_code, latency_us, error, source_ip, tags, trace_id, span_id,
        customer_id, api_key_id, plan, sample_rate, request_body_truncated, response_body_truncated,
        batch_id)
      SELECT
        ts, id, service, method,
        concat('https://api.example.com', path, '?page=', toString(n % 7)),
        path, route,
        map('page', toString(n % 7)),
        map('content-type', 'application/json', 'user-agent', concat('client/', toString(n % 13))),
        map('content-type', 'application/json'),
        concat('{"customer":"', customer, '","sku":"SKU-', toString(n % 5000), '","quantity":',
          toString(n % 9 + 1), ',"note":"', repeat('x', toUInt32(n % 200)), '"}') AS req,
        length(req),
        concat('{"id":"', id, '","status":"', toString(status), '","items":[',
          arrayStringConcat(arrayMap(i -> concat('{"sku":"SKU-', toString((n + i) % 5000),
            '","price":', toString((n * 7 + i) % 10000), '}'), range(toUInt32(n % 12 + 4))), ','),
          ']}') AS resp,
        length(resp),
        status, latency, if(status >= 500, concat('upstream error ', toString(status)), ''),
        IPv4NumToString(toUInt32(167772160 + (n * 2654435761) % 20000)),
        map('region', ['eu-west-1', 'us-east-1', 'ap-south-1'][n % 3 + 1],
          'version', ['2.3.1', '2.4.0'][n % 2 + 1]),
        lower(hex(sipHash128(n))), lower(hex(sipHash64(n))),
        customer, concat('key-', customer), plan, sample_rate, 0, 0, 'bench'
      FROM
      (
        SELECT
          number AS n,
          now64(6) - toIntervalMicrosecond(cityHash64(number, 1) % {span} + {before})
            - toIntervalMinute(5) AS ts,
          toString(generateUUIDv4(number)) AS id,
          ['checkout', 'search', 'users', 'payments', 'catalog'][
            arrayFirstIndex(x -> x > (cityHash64(number, 2) % 100), [40, 65, 80, 92, 100])] AS service,
          ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'][cityHash64(number, 3) % 6 + 1] AS method,
          concat('/v1/', service, '/r', toString(cityHash64(number, 4) % 30), '/{id}') AS route,
          concat('/v1/', service, '/r', toString(cityHash64(number, 4) % 30), '/',
            toString(cityHash64(number, 5) % 100000)) AS path,
          [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201, 204, 400, 401, 404,
            429, 500, 503][cityHash64(number, 6) % 20 + 1] AS status,
          toUInt32(least(60000000, exp(10.4 + 0.9
            * sqrt(-2 * log((cityHash64(number, 7) % 1000000 + 1) / 1000001.))
            * cos(2 * pi() * (cityHash64(number, 8) % 1000000) / 1000000.)))) AS latency,
          concat('cust-', toString(toUInt32(pow((cityHash64(number, 9) % 1000000) / 1000000., 3)
            * 2000))) AS customer,
          ['free', 'free', 'pro', 'enterprise'][cityHash64(customer) % 4 + 1] AS plan,
          if(service = 'search', 0.5, 1) AS sample_rate
        FROM numbers({first}, {rows})
      )
      SETTINGS max_insert_threads = 2
      """;
}
