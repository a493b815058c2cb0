package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Writes a batch as one INSERT. The batch id is the INSERT's deduplication token, so ClickHouse
 * itself drops a batch it has already committed (within the table's {@code
 * non_replicated_deduplication_window}).
 */
public final class ClickHouseCallWriter implements CallWriter {

  /** Batch ids are embedded in the INSERT's SETTINGS clause, so only these characters pass. */
  public static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final DataSource dataSource;

  public ClickHouseCallWriter(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public void write(String batchId, List<CallRecord> calls) {
    if (!BATCH_ID.matcher(batchId).matches()) {
      throw new IllegalArgumentException("Invalid batch id: " + batchId);
    }
    if (calls.isEmpty()) {
      return;
    }
    String sql =
        "INSERT INTO api_calls (" + CallColumns.LIST + ", batch_id)"
            + " SETTINGS insert_deduplication_token = '" + batchId + "'"
            + " VALUES (" + "?, ".repeat(CallColumns.COUNT) + "?)";
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert = connection.prepareStatement(sql)) {
      for (CallRecord call : calls) {
        int i = 1;
        insert.setString(i++, CallColumns.formatUtc(call.timestamp()));
        insert.setString(i++, call.id());
        insert.setString(i++, call.service());
        insert.setString(i++, call.method());
        insert.setString(i++, call.url());
        insert.setString(i++, call.path());
        insert.setString(i++, call.route());
        insert.setObject(i++, call.queryParams());
        insert.setObject(i++, call.requestHeaders());
        insert.setObject(i++, call.responseHeaders());
        insert.setString(i++, call.requestBody());
        insert.setLong(i++, call.requestBodySize());
        insert.setString(i++, call.responseBody());
        insert.setLong(i++, call.responseBodySize());
        insert.setInt(i++, call.statusCode());
        insert.setLong(i++, call.latencyMicros());
        insert.setString(i++, call.error());
        insert.setString(i++, call.sourceIp());
        insert.setObject(i++, call.tags());
        insert.setString(i++, call.traceId());
        insert.setString(i++, call.spanId());
        insert.setString(i++, call.customerId());
        insert.setString(i++, call.apiKeyId());
        insert.setString(i++, call.plan());
        insert.setFloat(i++, (float) call.sampleRate());
        insert.setInt(i++, call.requestBodyTruncated() ? 1 : 0);
        insert.setInt(i++, call.responseBodyTruncated() ? 1 : 0);
        insert.setString(i, batchId);
        insert.addBatch();
      }
      insert.executeBatch();
    } catch (SQLException e) {
      throw ClickHouseStorage.translate("insert of batch " + batchId, e);
    }
  }
}
