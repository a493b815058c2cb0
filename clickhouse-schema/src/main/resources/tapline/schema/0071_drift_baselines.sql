-- Drift baselines: reference histograms frozen under a name, per service. Like the other
-- metadata: a change is a new row with a higher version, a deletion a row with deleted = 1; read
-- with FINAL. The histograms and the filter that made them are JSON.
CREATE TABLE IF NOT EXISTS drift_baselines
(
    id          String,
    service     String,
    name        String,
    filter      String,
    histograms  String,
    created_at  DateTime64(3, 'UTC'),
    deleted     UInt8,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
