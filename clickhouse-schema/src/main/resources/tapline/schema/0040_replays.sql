-- Replays of recorded calls: what was sent (secrets masked), what came back, and the comparison
-- with the original call. Read by call, newest first.
CREATE TABLE IF NOT EXISTS replays
(
    id                      String,
    call_id                 String,
    service                 LowCardinality(String),
    created_at              DateTime64(6, 'UTC'),
    -- The id of the API key that asked for the replay.
    replayed_by             String,
    request_method          LowCardinality(String),
    request_url             String CODEC(ZSTD(1)),
    request_headers         Map(String, String) CODEC(ZSTD(1)),
    omitted_headers         Array(String),
    omitted_query_params    Array(String),
    -- The overrides used, as JSON, values that filled masked fields replaced by "[masked]".
    overrides               String CODEC(ZSTD(1)),
    follow_redirects        UInt8,
    redirects               Array(String),
    status_code             UInt16,
    response_headers        Map(String, String) CODEC(ZSTD(1)),
    response_body           String CODEC(ZSTD(3)),
    response_body_size      UInt64,
    response_body_truncated UInt8,
    latency_us              UInt64,
    error                   String,
    -- The comparison with the original call, as JSON.
    comparison              String CODEC(ZSTD(1)),
    retention_days          UInt16 DEFAULT 30
)
ENGINE = MergeTree
ORDER BY (call_id, created_at, id)
TTL toDateTime(created_at) + toIntervalDay(retention_days)
