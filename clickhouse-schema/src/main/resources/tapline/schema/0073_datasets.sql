-- Datasets (saved exports written continuously) and the partitions written for them. A
-- dataset's definition is the API's JSON; like the other metadata, a change is a new row with a
-- higher version, a deletion a row with deleted = 1, read with FINAL. A partition (one service,
-- one day) is recorded once its files are written; the row with service '' marks the whole day
-- written.
CREATE TABLE IF NOT EXISTS datasets
(
    name        String,
    definition  String,
    created_at  DateTime64(3, 'UTC'),
    deleted     UInt8,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;

CREATE TABLE IF NOT EXISTS dataset_partitions
(
    dataset     String,
    day         Date,
    service     String,
    files       Array(String),
    rows        Array(UInt64),
    written_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(written_at)
ORDER BY (dataset, day, service)
