package io.tapline.server.storage.clickhouse;

import io.tapline.server.storage.DatasetPartition;
import io.tapline.server.storage.DatasetRecord;
import io.tapline.server.storage.DatasetStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Datasets in the {@code datasets} table, their partitions in {@code dataset_partitions}. */
public final class ClickHouseDatasetStore extends ReplacingTable<DatasetRecord>
    implements DatasetStore {

  private final DataSource dataSource;

  public ClickHouseDatasetStore(DataSource dataSource) {
    super(
        dataSource,
        "datasets",
        "name",
        "name, definition, toUnixTimestamp64Milli(created_at)",
        "name, definition, created_at",
        "?, ?, fromUnixTimestamp64Milli(?, 'UTC')",
        true,
        rs ->
            new DatasetRecord(
                rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))),
        (insert, d) -> {
          insert.setString(1, d.name());
          insert.setString(2, d.definition());
          insert.setLong(3, d.createdAt().toEpochMilli());
        });
    this.dataSource = dataSource;
  }

  @Override
  public List<DatasetPartition> partitions(String dataset) {
    return Connections.with(
        dataSource,
        "partitions of dataset " + dataset,
        connection -> {
          List<DatasetPartition> partitions = new ArrayList<>();
          try (PreparedStatement select =
                  Statements.prepare(
                      connection,
                      "SELECT toString(day), service, files, rows,"
                          + " toUnixTimestamp64Milli(written_at) FROM dataset_partitions FINAL"
                          + " WHERE dataset = ? ORDER BY day, service",
                      List.of(dataset));
              ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
              partitions.add(
                  new DatasetPartition(
                      dataset,
                      LocalDate.parse(rs.getString(1)),
                      rs.getString(2),
                      List.of(SqlArrays.strings(rs.getArray(3))),
                      SqlArrays.longs(rs.getArray(4)),
                      Instant.ofEpochMilli(rs.getLong(5))));
            }
          }
          return partitions;
        });
  }

  @Override
  public void recordPartition(DatasetPartition p) {
    Connections.with(
        dataSource,
        "recording a partition of dataset " + p.dataset(),
        connection -> {
          try (PreparedStatement insert =
              Statements.prepare(
                  connection,
                  "INSERT INTO dataset_partitions (dataset, day, service, files, rows, written_at)"
                      + " VALUES (?, toDate(?), ?, ?, ?, fromUnixTimestamp64Milli(?, 'UTC'))")) {
            insert.setString(1, p.dataset());
            insert.setString(2, p.day().toString());
            insert.setString(3, p.service());
            insert.setObject(4, p.files());
            insert.setObject(5, p.rows());
            insert.setLong(6, p.writtenAt().toEpochMilli());
            insert.executeUpdate();
          }
          return null;
        });
  }
}
