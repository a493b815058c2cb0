package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.ServiceRecord;
import io.tapline.server.storage.ServiceStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Services in the {@code services} ReplacingMergeTree table, read with FINAL. */
public final class ClickHouseServiceStore implements ServiceStore {

  private static final String SELECT =
      "SELECT name, description, base_url, replay_allow_list, retention_days, sensitive_headers,"
          + " toUnixTimestamp64Milli(created_at) FROM services FINAL WHERE deleted = 0";

  private final DataSource dataSource;

  public ClickHouseServiceStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Optional<ServiceRecord> get(String name) {
    List<ServiceRecord> found = query(SELECT + " AND name = ?", name);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
  }

  @Override
  public List<ServiceRecord> list() {
    return query(SELECT + " ORDER BY name", null);
  }

  @Override
  public void put(ServiceRecord service) {
    write(service, false);
  }

  @Override
  public void delete(String name) {
    write(new ServiceRecord(name, "", "", List.of(), 0, List.of(), Instant.EPOCH), true);
  }

  private void write(ServiceRecord s, boolean deleted) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO services (name, description, base_url, replay_allow_list,"
                    + " retention_days, sensitive_headers, created_at, deleted, version)"
                    + " VALUES (?, ?, ?, ?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC'), ?, ?)")) {
      insert.setString(1, s.name());
      insert.setString(2, s.description());
      insert.setString(3, s.baseUrl());
      insert.setObject(4, s.replayAllowList());
      insert.setInt(5, s.retentionDays());
      insert.setObject(6, s.sensitiveHeaders());
      insert.setLong(7, s.createdAt().toEpochMilli());
      insert.setInt(8, deleted ? 1 : 0);
      insert.setLong(9, Versions.next());
      insert.executeUpdate();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("write of service " + s.name(), e);
    }
  }

  private List<ServiceRecord> query(String sql, String parameter) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement(sql)) {
      if (parameter != null) {
        select.setString(1, parameter);
      }
      List<ServiceRecord> services = new ArrayList<>();
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          services.add(
              new ServiceRecord(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  List.of(SqlArrays.strings(rs.getArray(4))),
                  rs.getInt(5),
                  List.of(SqlArrays.strings(rs.getArray(6))),
                  Instant.ofEpochMilli(rs.getLong(7))));
        }
      }
      return services;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("read of services", e);
    }
  }
}
