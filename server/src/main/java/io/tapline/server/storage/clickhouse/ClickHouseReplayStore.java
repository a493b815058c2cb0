package io.tapline.server.storage.clickhouse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.ReplayRecord;
import io.tapline.server.storage.ReplayStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Replays in the {@code replays} table, one row each. The overrides and the comparison are nested
 * values, kept as JSON text.
 */
public final class ClickHouseReplayStore implements ReplayStore {

  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  static final String COLUMNS =
      "id, call_id, service, created_at, replayed_by, request_method, request_url,"
          + " request_headers, omitted_headers, omitted_query_params, overrides, follow_redirects,"
          + " redirects, status_code, response_headers, response_body, response_body_size,"
          + " response_body_truncated, latency_us, error, comparison, retention_days";

  private final DataSource dataSource;

  public ClickHouseReplayStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public void write(ReplayRecord r) {
    String sql =
        "INSERT INTO replays ("
            + COLUMNS
            + ") VALUES (?, ?, ?, fromUnixTimestamp64Micro(?, 'UTC'),"
            + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert = Statements.prepare(connection, sql)) {
      int i = 1;
      insert.setString(i++, r.id());
      insert.setString(i++, r.callId());
      insert.setString(i++, r.service());
      insert.setLong(i++, Micros.of(r.createdAt()));
      insert.setString(i++, r.replayedBy());
      insert.setString(i++, r.requestMethod());
      insert.setString(i++, r.requestUrl());
      insert.setObject(i++, r.requestHeaders());
      insert.setObject(i++, r.omittedHeaders());
      insert.setObject(i++, r.omittedQueryParams());
      insert.setString(i++, toJson(r.overrides()));
      insert.setInt(i++, r.followRedirects() ? 1 : 0);
      insert.setObject(i++, r.redirects());
      insert.setInt(i++, r.statusCode());
      insert.setObject(i++, r.responseHeaders());
      insert.setString(i++, r.responseBody());
      insert.setLong(i++, r.responseBodySize());
      insert.setInt(i++, r.responseBodyTruncated() ? 1 : 0);
      insert.setLong(i++, r.latencyMicros());
      insert.setString(i++, r.error());
      insert.setString(i++, toJson(r.comparison()));
      insert.setInt(i, r.retentionDays());
      insert.executeUpdate();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("insert of replay " + r.id(), e);
    }
  }

  @Override
  public Page list(String service, String callId, int pageSize, Cursor after) {
    SelectReplays select = new SelectReplays(service, callId, pageSize, after);
    try (Connection connection = dataSource.getConnection()) {
      return select.execute(connection);
    } catch (SQLException e) {
      throw ClickHouseStorage.translate(select.toString(), e);
    }
  }

  @Override
  public List<String> servicesWithReplaysOf(String callId) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            Statements.prepare(
                connection, "SELECT DISTINCT service FROM replays WHERE call_id = ? LIMIT 10")) {
      select.setString(1, callId);
      List<String> services = new ArrayList<>();
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          services.add(rs.getString(1));
        }
      }
      return services;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("look-up of the services of replays of " + callId, e);
    }
  }

  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  static <T> T fromJson(String json, Class<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Stored " + type.getSimpleName() + " is not valid JSON", e);
    }
  }
}
