-- Every recorded API call: one wide table, one row per call.
--
-- * Daily partitions (split by retention class) so that TTL drops whole parts
--   (ttl_only_drop_parts) instead of rewriting them, and a service's retention can
--   change for new data without touching old parts.
-- * Sorted by service, then time: nearly every query names a service and a time range,
--   and reading in that order answers "newest first" without a sort.
-- * LowCardinality for small-domain strings, Map(LowCardinality(String), String) for
--   headers, query parameters and tags; ZSTD everywhere, Delta/T64 for numbers that move
--   slowly.
-- * Bloom filters for id lookups (GetCall, trace correlation).
-- * non_replicated_deduplication_window lets a retried batch (same insert deduplication
--   token) be stored once.
CREATE TABLE IF NOT EXISTS api_calls
(
    timestamp          DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    id                 String CODEC(ZSTD(1)),
    service            LowCardinality(String),
    method             LowCardinality(String),
    url                String CODEC(ZSTD(1)),
    path               String CODEC(ZSTD(1)),
    route              LowCardinality(String),
    query_params       Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    request_headers    Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    response_headers   Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    request_body       String CODEC(ZSTD(3)),
    request_body_size  UInt32 CODEC(T64, ZSTD(1)),
    response_body      String CODEC(ZSTD(3)),
    response_body_size UInt32 CODEC(T64, ZSTD(1)),
    status_code        UInt16 CODEC(T64, ZSTD(1)),
    latency_us         UInt32 CODEC(T64, ZSTD(1)),
    error              String CODEC(ZSTD(1)),
    source_ip          String CODEC(ZSTD(1)),
    tags               Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    trace_id           String CODEC(ZSTD(1)),
    span_id            String CODEC(ZSTD(1)),
    customer_id        LowCardinality(String),
    api_key_id         LowCardinality(String),
    plan               LowCardinality(String),
    sample_rate        Float32 DEFAULT 1,
    request_body_truncated  UInt8,
    response_body_truncated UInt8,
    batch_id           String CODEC(ZSTD(1)),
    retention_days     UInt16 DEFAULT 30,
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),

    INDEX idx_id id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY (toDate(timestamp), retention_days)
ORDER BY (service, timestamp)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 10000,
         index_granularity = 8192
