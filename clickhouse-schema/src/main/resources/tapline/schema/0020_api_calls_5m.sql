-- Five-minute rollup of api_calls for dashboards: one row per period and combination of
-- service, route, method, status code, plan and error flag, fed by a materialized view.
--
-- * Counts, errors, latency sums, min and max as simple aggregates; latencies as a histogram
--   over the same log-scale buckets the raw queries use (2000 per factor e, weight
--   1000 / sample_rate rounded), summed by bucket. quantilesExactWeighted over this histogram
--   gives exactly what it gives over the raw rows, so rollup and raw answers agree.
-- * Customer, source IP, API key, tags, path and text are not kept: per period they have
--   nearly as many combinations as there are calls. Queries on them read api_calls.
-- * `timestamp` is the start of the period, so time filters and buckets read the same
--   expressions on both tables. Same partitioning and TTL as api_calls.
-- * Existing calls are rolled up here, before the view exists. The server applies migrations
--   before it serves, so no call arrives in between; a run interrupted part way is repeated
--   from the start (view dropped, table emptied). On a cluster, apply it with ingest stopped:
--   calls written by another server while it runs could be missing from the rollup.
-- * A retried batch that api_calls deduplicates (same insert_deduplication_token) reaches the
--   view again; the rollup's own deduplication window drops it there too.
CREATE TABLE IF NOT EXISTS api_calls_5m
(
    timestamp      DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    service        LowCardinality(String),
    route          LowCardinality(String),
    method         LowCardinality(String),
    status_code    UInt16,
    plan           LowCardinality(String),
    is_error       UInt8,
    retention_days UInt16,
    w_count        SimpleAggregateFunction(sum, Float64),
    w_errors       SimpleAggregateFunction(sum, Float64),
    recorded       SimpleAggregateFunction(sum, UInt64),
    w_latency      SimpleAggregateFunction(sum, Float64),
    min_us         SimpleAggregateFunction(min, UInt32),
    max_us         SimpleAggregateFunction(max, UInt32),
    latency_histogram SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64)))
)
ENGINE = AggregatingMergeTree
PARTITION BY (toDate(timestamp), retention_days)
ORDER BY (service, timestamp, route, method, status_code, plan, is_error, retention_days)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 10000;

DROP VIEW IF EXISTS api_calls_5m_mv;

TRUNCATE TABLE api_calls_5m;

INSERT INTO api_calls_5m
SELECT
    toDateTime64(toStartOfFiveMinutes(timestamp), 6, 'UTC') AS period,
    service, route, method, status_code, plan,
    (status_code >= 500 OR notEmpty(error)) AS error_flag,
    retention_days,
    sum(if(sample_rate > 0, 1 / sample_rate, 1)),
    sumIf(if(sample_rate > 0, 1 / sample_rate, 1), error_flag),
    count(),
    sum(latency_us * if(sample_rate > 0, 1 / sample_rate, 1)),
    min(latency_us),
    max(latency_us),
    sumMap([toUInt16(log1p(toFloat32(latency_us)) * 2000 + 0.5)],
           [toUInt64(toUInt32(1000 * if(sample_rate > 0, 1 / sample_rate, 1) + 0.5))])
FROM api_calls
GROUP BY period, service, route, method, status_code, plan, error_flag, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_5m_mv TO api_calls_5m AS
SELECT
    toDateTime64(toStartOfFiveMinutes(api_calls.timestamp), 6, 'UTC') AS timestamp,
    service, route, method, status_code, plan,
    toUInt8(status_code >= 500 OR notEmpty(error)) AS is_error,
    retention_days,
    sum(if(sample_rate > 0, 1 / sample_rate, 1)) AS w_count,
    sumIf(if(sample_rate > 0, 1 / sample_rate, 1), status_code >= 500 OR notEmpty(error)) AS w_errors,
    count() AS recorded,
    sum(latency_us * if(sample_rate > 0, 1 / sample_rate, 1)) AS w_latency,
    min(latency_us) AS min_us,
    max(latency_us) AS max_us,
    sumMap([toUInt16(log1p(toFloat32(latency_us)) * 2000 + 0.5)],
           [toUInt64(toUInt32(1000 * if(sample_rate > 0, 1 / sample_rate, 1) + 0.5))]) AS latency_histogram
FROM api_calls
GROUP BY timestamp, service, route, method, status_code, plan, is_error, retention_days;
