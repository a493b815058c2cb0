package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallCriteria;
import io.tapline.server.storage.CallQuery;
import io.tapline.server.storage.Micros;
import io.tapline.server.storage.SearchOrder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Where a page of a long search in time order lies, from an hourly rollup: the few newest (or
 * oldest) hours holding more calls than the page.
 *
 * <p>A search sorted by time reads every granule holding a match unless the sort key narrows it,
 * and {@code api_calls} is sorted by service first: a customer found in most granules over 30 days
 * is a scan of all of them (1.7 s on 60 M calls). The counts and customers rollups hold the number
 * of matching calls per hour for filters on their columns, in a few thousand rows; the search then
 * reads only the hours its page needs.
 *
 * <p>The answer stays that of the whole range: a search over the narrowed range that fills its page
 * (one call more than the page size) has found the page's calls, since every call outside lies
 * further in the order than every call inside. When it does not (the rollup counted calls since
 * deleted), {@link ClickHouseCallStore} searches the whole range.
 */
final class SearchRange {

  /** Ranges up to this long are searched whole: one day of calls reads fast enough. */
  static final Duration NARROWED_ABOVE = Duration.ofDays(1);

  private static final Duration HOUR = Duration.ofHours(1);

  private SearchRange() {}

  /**
   * {@code query} over the hours that hold its page, or {@code query} itself when it is not sorted
   * by time, spans a day or less, names a column no hourly rollup holds, or needs its whole range.
   */
  static CallQuery narrow(CallQuery query, Connection connection) throws SQLException {
    boolean newestFirst = query.order() == SearchOrder.NEWEST_FIRST;
    if (!newestFirst && query.order() != SearchOrder.OLDEST_FIRST) {
      return query;
    }
    CallCriteria criteria = query.criteria();
    String table = Scan.hourlyCounts(criteria);
    if (table == null) {
      return query;
    }
    // The range still to read: a cursor bounds it too (inclusive of the cursor's time).
    Instant start = criteria.startTime();
    Instant end = criteria.endTime();
    if (query.after() != null) {
      Instant cursor = query.after().timestamp();
      if (newestFirst) {
        Instant throughCursor = cursor.plus(1, ChronoUnit.MICROS);
        end = end == null || throughCursor.isBefore(end) ? throughCursor : end;
      } else {
        start = start == null || cursor.isAfter(start) ? cursor : start;
      }
    }
    if (start != null
        && end != null
        && Duration.between(start, end).compareTo(NARROWED_ABOVE) <= 0) {
      return query;
    }
    // Hour rows start at the hour: the one holding `start` begins before it.
    Instant firstHour = start == null ? null : start.truncatedTo(ChronoUnit.HOURS);
    Where where = Where.of(criteria.withTimeRange(firstHour, end));
    String sql =
        "SELECT toUnixTimestamp64Micro(timestamp) AS hour, sum(recorded) FROM "
            + table
            + " WHERE "
            + where.sql
            + " GROUP BY hour ORDER BY hour "
            + (newestFirst ? "DESC" : "ASC");
    long wanted = query.pageSize() + 1L;
    long found = 0;
    try (PreparedStatement statement = Statements.prepare(connection, sql, where.parameters);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        found += rs.getLong(2);
        if (found >= wanted) {
          Instant hour = Micros.toInstant(rs.getLong(1));
          return newestFirst
              ? narrowed(query, later(hour, criteria.startTime()), criteria.endTime())
              : narrowed(query, criteria.startTime(), earlier(hour.plus(HOUR), criteria.endTime()));
        }
      }
    }
    return query;
  }

  private static CallQuery narrowed(CallQuery query, Instant start, Instant end) {
    CallCriteria criteria = query.criteria();
    if (Objects.equals(start, criteria.startTime()) && Objects.equals(end, criteria.endTime())) {
      return query;
    }
    return new CallQuery(
        criteria.withTimeRange(start, end), query.order(), query.pageSize(), query.after());
  }

  private static Instant later(Instant a, Instant b) {
    return b == null || a.isAfter(b) ? a : b;
  }

  private static Instant earlier(Instant a, Instant b) {
    return b == null || a.isBefore(b) ? a : b;
  }
}
