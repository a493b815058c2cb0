package io.tapline.server.storage.clickhouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.ToIntFunction;
import javax.sql.DataSource;

/**
 * The {@code rate_limit_per_second} of a usage plan, found by id or name; 0 when the plan is
 * unknown or sets none. Callers cache it.
 */
public final class SelectPlanRateLimit implements ToIntFunction<String> {

  static final String SQL =
      "SELECT rate_limit_per_second FROM plans FINAL WHERE deleted = 0 AND (id = ? OR name = ?)"
          + " ORDER BY id LIMIT 1";

  private final DataSource dataSource;

  public SelectPlanRateLimit(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public int applyAsInt(String plan) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement(SQL)) {
      select.setString(1, plan);
      select.setString(2, plan);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() ? (int) Math.min(Integer.MAX_VALUE, rs.getLong(1)) : 0;
      }
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("read of plan " + plan, e);
    }
  }

  @Override
  public String toString() {
    return "SelectPlanRateLimit{" + SQL + "}";
  }
}
