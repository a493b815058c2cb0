package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.ApiKeyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/** API keys in the {@code api_keys} ReplacingMergeTree table, read with FINAL. */
public final class ClickHouseApiKeyStore implements ApiKeyStore {

  private static final String COLUMNS =
      "key_id, name, secret_hash, scopes, service, customer_id, plan,"
          + " toUnixTimestamp64Milli(created_at), toUnixTimestamp64Milli(expires_at), revoked";

  private final DataSource dataSource;

  public ClickHouseApiKeyStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Optional<ApiKeyRecord> get(String keyId) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM api_keys FINAL WHERE key_id = ?")) {
      select.setString(1, keyId);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("read of API key " + keyId, e);
    }
  }

  @Override
  public List<ApiKeyRecord> list() {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM api_keys FINAL ORDER BY key_id");
        ResultSet rs = select.executeQuery()) {
      List<ApiKeyRecord> keys = new ArrayList<>();
      while (rs.next()) {
        keys.add(read(rs));
      }
      return keys;
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("list of API keys", e);
    }
  }

  @Override
  public void put(ApiKeyRecord key) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO api_keys (key_id, name, secret_hash, scopes, service, customer_id,"
                    + " plan, created_at, expires_at, revoked, version)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC'),"
                    + " fromUnixTimestamp64Milli(?, 'UTC'), ?, ?)")) {
      insert.setString(1, key.keyId());
      insert.setString(2, key.name());
      insert.setString(3, key.secretHash());
      insert.setObject(4, List.copyOf(key.scopes()));
      insert.setString(5, key.service());
      insert.setString(6, key.customerId());
      insert.setString(7, key.plan());
      insert.setLong(8, key.createdAt().toEpochMilli());
      insert.setLong(9, key.expiresAt() == null ? 0 : key.expiresAt().toEpochMilli());
      insert.setInt(10, key.revoked() ? 1 : 0);
      insert.setLong(11, Versions.next());
      insert.executeUpdate();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("write of API key " + key.keyId(), e);
    }
  }

  private static ApiKeyRecord read(ResultSet rs) throws SQLException {
    long expires = rs.getLong(9);
    return new ApiKeyRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        Set.of(SqlArrays.strings(rs.getArray(4))),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        Instant.ofEpochMilli(rs.getLong(8)),
        expires == 0 ? null : Instant.ofEpochMilli(expires),
        rs.getInt(10) != 0);
  }
}
