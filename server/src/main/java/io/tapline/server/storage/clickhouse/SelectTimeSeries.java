package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallMetrics;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.TimeSeriesQuery;
import io.tapline.server.storage.TimeSeriesResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics per time bucket (and per value of a split dimension). Buckets are whole multiples of the
 * width since the epoch, computed on integer microseconds. When split, the top series are chosen by
 * a subquery over the same filter and every other value merges into one "other" series.
 */
final class SelectTimeSeries {

  private final TimeSeriesQuery query;
  private final Scan scan;
  private final String sql;
  private final List<Object> parameters = new ArrayList<>();

  SelectTimeSeries(TimeSeriesQuery query, boolean rollups) {
    this.query = query;
    this.scan =
        Scan.latencies(
            query.criteria(),
            query.splitBy() == null ? List.of() : List.of(query.splitBy()),
            query.bucketMicros(),
            rollups);
    String bucket = "intDiv(toUnixTimestamp64Micro(timestamp), ?) * ?";
    parameters.add(query.bucketMicros());
    parameters.add(query.bucketMicros());
    String series;
    if (query.splitBy() == null) {
      series = "0 AS is_other, '' AS s";
    } else {
      List<Object> keyParameters = new ArrayList<>();
      String key =
          Dimensions.expression(query.splitBy(), query.tagKey(), query.field(), keyParameters);
      // The top series are ranked by counts alone, which the counts rollup may answer.
      Scan ranking = Scan.counts(query.criteria(), List.of(query.splitBy()), 0, rollups);
      series =
          "NOT ("
              + key
              + " IN (SELECT "
              + key
              + " AS top FROM "
              + ranking.from
              + " GROUP BY top ORDER BY sum(s_count) DESC, top LIMIT ?)) AS is_other,"
              + " if(is_other, '', "
              + key
              + ") AS s";
      // Bound in the order the placeholders appear in the text above.
      parameters.addAll(keyParameters);
      parameters.addAll(keyParameters);
      parameters.addAll(ranking.parameters);
      parameters.add(query.seriesLimit());
      parameters.addAll(keyParameters);
    }
    parameters.addAll(scan.parameters);
    this.sql =
        "SELECT "
            + bucket
            + " AS bucket, "
            + series
            + ", "
            + Aggregates.select(query.levels())
            + " FROM "
            + scan.from
            + " GROUP BY bucket, is_other, s"
            + " ORDER BY is_other, s, bucket";
  }

  TimeSeriesResult execute(Connection connection) throws SQLException {
    Map<List<Object>, Map<Instant, CallMetrics>> series = new LinkedHashMap<>();
    try (PreparedStatement statement = Statements.prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        Instant start = Micros.toInstant(rs.getLong(1));
        List<Object> key = List.of(rs.getBoolean(2), rs.getString(3));
        series
            .computeIfAbsent(key, k -> new HashMap<>())
            .put(start, Aggregates.read(rs, 4, query.levels().size()));
      }
    }
    List<TimeSeriesResult.Series> result = new ArrayList<>();
    series.forEach(
        (key, buckets) ->
            result.add(
                new TimeSeriesResult.Series((String) key.get(1), (Boolean) key.get(0), buckets)));
    return new TimeSeriesResult(result);
  }

  @Override
  public String toString() {
    return "SelectTimeSeries{" + query + ", " + scan + "}";
  }
}
