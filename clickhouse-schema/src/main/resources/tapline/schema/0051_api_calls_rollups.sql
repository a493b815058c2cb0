-- Two rollups of api_calls replace api_calls_5m, whose latency histograms (one per
-- period and combination of service, route, method, status, plan and error flag) held about as
-- many entries as there were calls, so reading it was no faster than reading the calls.
--
-- * api_calls_counts_1h: counts, errors, latency sum, min and max per hour and combination of
--   service, route, method, status code, plan and error flag. It ranks groups and answers
--   counts; it has no latencies beyond min and max. Hours, not five minutes: on 10 million
--   calls a day with 16,000 such combinations, five-minute rows were a quarter as many as the
--   calls; hourly rows are 4 % of them.
-- * api_calls_latency_5m: the same figures per five minutes, service and latency bucket (the
--   latency_bucket of api_calls), with the quantile weight summed: the histogram quantiles are
--   computed from. A service sees at most a few hundred buckets per period, whatever its
--   number of routes, customers or plans.
--
-- `timestamp` is the start of the period, so time filters and buckets read the same
-- expressions on every table. Same partitioning and TTL as api_calls.
--
-- Existing calls are rolled up here, before the views exist. The server applies migrations
-- before it serves, so no call arrives in between; a run interrupted part way is repeated from
-- the start (views dropped, tables emptied). On a cluster, apply it with ingest stopped: calls
-- written by another server while it runs could be missing from the rollups. A retried batch
-- that api_calls deduplicates reaches the views again; each rollup's own deduplication window
-- drops it there too.
DROP VIEW IF EXISTS api_calls_5m_mv;

DROP TABLE IF EXISTS api_calls_5m;

DROP VIEW IF EXISTS api_calls_counts_1h_mv;

DROP VIEW IF EXISTS api_calls_latency_5m_mv;

CREATE TABLE IF NOT EXISTS api_calls_counts_1h
(
    timestamp      DateTime64(6, 'UTC') CODEC(T64, LZ4),
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
    max_us         SimpleAggregateFunction(max, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY (toDate(timestamp), retention_days)
ORDER BY (service, timestamp, route, method, status_code, plan, is_error, retention_days)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS api_calls_latency_5m
(
    timestamp       DateTime64(6, 'UTC') CODEC(T64, LZ4),
    service         LowCardinality(String),
    latency_bucket  UInt16,
    retention_days  UInt16,
    w_count         SimpleAggregateFunction(sum, Float64),
    w_errors        SimpleAggregateFunction(sum, Float64),
    recorded        SimpleAggregateFunction(sum, UInt64),
    w_latency       SimpleAggregateFunction(sum, Float64),
    min_us          SimpleAggregateFunction(min, UInt32),
    max_us          SimpleAggregateFunction(max, UInt32),
    quantile_weight SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY (toDate(timestamp), retention_days)
ORDER BY (service, timestamp, latency_bucket, retention_days)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 10000;

TRUNCATE TABLE api_calls_counts_1h;

TRUNCATE TABLE api_calls_latency_5m;

INSERT INTO api_calls_counts_1h
SELECT
    toDateTime64(toStartOfHour(timestamp), 6, 'UTC') AS period,
    service, route, method, status_code, plan, is_error, retention_days,
    sum(weight), sum(if(is_error, weight, 0)), count(), sum(latency_us * weight),
    min(latency_us), max(latency_us)
FROM api_calls
GROUP BY period, service, route, method, status_code, plan, is_error, retention_days;

INSERT INTO api_calls_latency_5m
SELECT
    toDateTime64(toStartOfFiveMinutes(timestamp), 6, 'UTC') AS period,
    service, latency_bucket, retention_days,
    sum(weight), sum(if(is_error, weight, 0)), count(), sum(latency_us * weight),
    min(latency_us), max(latency_us), sum(quantile_weight)
FROM api_calls
GROUP BY period, service, latency_bucket, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_counts_1h_mv TO api_calls_counts_1h AS
SELECT
    toDateTime64(toStartOfHour(api_calls.timestamp), 6, 'UTC') AS timestamp,
    service, route, method, status_code, plan, is_error, retention_days,
    sum(weight) AS w_count,
    sum(if(is_error, weight, 0)) AS w_errors,
    count() AS recorded,
    sum(latency_us * weight) AS w_latency,
    min(latency_us) AS min_us,
    max(latency_us) AS max_us
FROM api_calls
GROUP BY timestamp, service, route, method, status_code, plan, is_error, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_latency_5m_mv TO api_calls_latency_5m AS
SELECT
    toDateTime64(toStartOfFiveMinutes(api_calls.timestamp), 6, 'UTC') AS timestamp,
    service, latency_bucket, retention_days,
    sum(weight) AS w_count,
    sum(if(is_error, weight, 0)) AS w_errors,
    count() AS recorded,
    sum(latency_us * weight) AS w_latency,
    min(latency_us) AS min_us,
    max(latency_us) AS max_us,
    sum(quantile_weight) AS quantile_weight
FROM api_calls
GROUP BY timestamp, service, latency_bucket, retention_days;
