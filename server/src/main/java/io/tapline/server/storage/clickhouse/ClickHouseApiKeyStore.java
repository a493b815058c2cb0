package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.ApiKeyRecord;
import io.tapline.server.storage.ApiKeyStore;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/** API keys in the {@code api_keys} table; keys are revoked, never deleted. */
public final class ClickHouseApiKeyStore extends ReplacingTable<ApiKeyRecord>
    implements ApiKeyStore {

  public ClickHouseApiKeyStore(DataSource dataSource) {
    super(
        dataSource,
        "api_keys",
        "key_id",
        "key_id, name, secret_hash, scopes, service, customer_id, plan,"
            + " toUnixTimestamp64Milli(created_at), toUnixTimestamp64Milli(expires_at), revoked",
        "key_id, name, secret_hash, scopes, service, customer_id, plan, created_at,"
            + " expires_at, revoked",
        "?, ?, ?, ?, ?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC'),"
            + " fromUnixTimestamp64Milli(?, 'UTC'), ?",
        false,
        rs -> {
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
        },
        (insert, key) -> {
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
        });
  }

  @Override
  public Set<String> ids() {
    return keys();
  }
}
