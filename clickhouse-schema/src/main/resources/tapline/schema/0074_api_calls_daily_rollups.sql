-- Daily rollups, so that queries over weeks read a few rows per day instead of hours' or calls'.
--
-- Over 30 days of 60 M calls (2 cores, one engine thread per query), the hourly rollups are
-- millions of rows: api_calls_counts_1h 8.5 M, api_calls_customers_1h 9.2 M, api_calls_latency_5m
-- 14.6 M; and a breakdown by route read every call for its quantiles. Per day they are a
-- twentieth or less, and a route's calls share far fewer latency buckets in a day than they are
-- calls (2.5 M rows for the 60 M calls).
--
-- * api_calls_counts_1d, api_calls_customers_1d, api_calls_latency_1d: api_calls_counts_1h,
--   api_calls_customers_1h and api_calls_latency_5m per day.
-- * api_calls_routes_1d: counts, errors, latency sum, min, max and quantile weight per day,
--   service, route and latency bucket, for breakdowns by route and metrics of one route.
-- * api_calls_customer_latency_1d: the same per day, service, customer and latency bucket. A
--   customer's calls in a day mostly fall in buckets of their own, so this is about half as many
--   rows as calls; sorted by customer within each day, in small granules, it is read for a few
--   customers at a time: the top customers of a breakdown (whose remainder is every call's
--   histogram less theirs) or the one customer of a filter.
--
-- A query reads a daily rollup for the whole days of its range, the finer rollup for the whole
-- hours (or five minutes) of the partial days at its edges, and api_calls for the rest.
-- `timestamp` is the start of the day (UTC). Same partitioning, TTL, backfill and deduplication
-- as the rollups of 0051, and the same caution applies on a cluster.
DROP VIEW IF EXISTS api_calls_counts_1d_mv;

DROP VIEW IF EXISTS api_calls_customers_1d_mv;

DROP VIEW IF EXISTS api_calls_latency_1d_mv;

DROP VIEW IF EXISTS api_calls_routes_1d_mv;

DROP VIEW IF EXISTS api_calls_customer_latency_1d_mv;

CREATE TABLE IF NOT EXISTS api_calls_counts_1d
(
    timestamp       DateTime64(6, 'UTC') CODEC(T64, LZ4),
    service         LowCardinality(String),
    route           LowCardinality(String),
    method          LowCardinality(String),
    status_code     UInt16,
    plan            LowCardinality(String),
    is_error        UInt8,
    retention_days  UInt16,
    w_count         SimpleAggregateFunction(sum, Float64),
    w_errors        SimpleAggregateFunction(sum, Float64),
    recorded        SimpleAggregateFunction(sum, UInt64),
    w_latency       SimpleAggregateFunction(sum, Float64),
    min_us          SimpleAggregateFunction(min, UInt32),
    max_us          SimpleAggregateFunction(max, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY (toDate(timestamp), retention_days)
ORDER BY (service, timestamp, route, method, status_code, plan, is_error, retention_days)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS api_calls_customers_1d
(
    timestamp       DateTime64(6, 'UTC') CODEC(T64, LZ4),
    service         LowCardinality(String),
    customer_id     LowCardinality(String),
    plan            LowCardinality(String),
    is_error        UInt8,
    retention_days  UInt16,
    w_count         SimpleAggregateFunction(sum, Float64),
    w_errors        SimpleAggregateFunction(sum, Float64),
    recorded        SimpleAggregateFunction(sum, UInt64),
    w_latency       SimpleAggregateFunction(sum, Float64),
    min_us          SimpleAggregateFunction(min, UInt32),
    max_us          SimpleAggregateFunction(max, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY (toDate(timestamp), retention_days)
ORDER BY (service, timestamp, customer_id, plan, is_error, retention_days)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS api_calls_latency_1d
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

CREATE TABLE IF NOT EXISTS api_calls_routes_1d
(
    timestamp       DateTime64(6, 'UTC') CODEC(T64, LZ4),
    service         LowCardinality(String),
    route           LowCardinality(String),
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
ORDER BY (service, timestamp, route, latency_bucket, retention_days)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS api_calls_customer_latency_1d
(
    timestamp       DateTime64(6, 'UTC') CODEC(T64, LZ4),
    service         LowCardinality(String),
    customer_id     LowCardinality(String),
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
ORDER BY (customer_id, service, timestamp, latency_bucket, retention_days)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS ttl_only_drop_parts = 1,
         index_granularity = 1024,
         non_replicated_deduplication_window = 10000;

TRUNCATE TABLE api_calls_counts_1d;

TRUNCATE TABLE api_calls_customers_1d;

TRUNCATE TABLE api_calls_latency_1d;

TRUNCATE TABLE api_calls_routes_1d;

TRUNCATE TABLE api_calls_customer_latency_1d;

INSERT INTO api_calls_counts_1d
SELECT
    toDateTime64(toStartOfDay(timestamp), 6, 'UTC') AS period,
    service, route, method, status_code, plan, is_error, retention_days,
    sum(weight), sum(if(is_error, weight, 0)), count(), sum(latency_us * weight),
    min(latency_us), max(latency_us)
FROM api_calls
GROUP BY period, service, route, method, status_code, plan, is_error, retention_days;

INSERT INTO api_calls_customers_1d
SELECT
    toDateTime64(toStartOfDay(timestamp), 6, 'UTC') AS period,
    service, customer_id, plan, is_error, retention_days,
    sum(weight), sum(if(is_error, weight, 0)), count(), sum(latency_us * weight),
    min(latency_us), max(latency_us)
FROM api_calls
GROUP BY period, service, customer_id, plan, is_error, retention_days;

INSERT INTO api_calls_latency_1d
SELECT
    toDateTime64(toStartOfDay(timestamp), 6, 'UTC') AS period,
    service, latency_bucket, retention_days,
    sum(weight), sum(if(is_error, weight, 0)), count(), sum(latency_us * weight),
    min(latency_us), max(latency_us), sum(quantile_weight)
FROM api_calls
GROUP BY period, service, latency_bucket, retention_days;

INSERT INTO api_calls_routes_1d
SELECT
    toDateTime64(toStartOfDay(timestamp), 6, 'UTC') AS period,
    service, route, latency_bucket, retention_days,
    sum(weight), sum(if(is_error, weight, 0)), count(), sum(latency_us * weight),
    min(latency_us), max(latency_us), sum(quantile_weight)
FROM api_calls
GROUP BY period, service, route, latency_bucket, retention_days;

INSERT INTO api_calls_customer_latency_1d
SELECT
    toDateTime64(toStartOfDay(timestamp), 6, 'UTC') AS period,
    service, customer_id, latency_bucket, retention_days,
    sum(weight), sum(if(is_error, weight, 0)), count(), sum(latency_us * weight),
    min(latency_us), max(latency_us), sum(quantile_weight)
FROM api_calls
GROUP BY period, service, customer_id, latency_bucket, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_counts_1d_mv TO api_calls_counts_1d AS
SELECT
    toDateTime64(toStartOfDay(api_calls.timestamp), 6, 'UTC') AS timestamp,
    service, route, method, status_code, plan, is_error, retention_days,
    sum(weight) AS w_count,
    sum(if(is_error, weight, 0)) AS w_errors,
    count() AS recorded,
    sum(latency_us * weight) AS w_latency,
    min(latency_us) AS min_us,
    max(latency_us) AS max_us
FROM api_calls
GROUP BY timestamp, service, route, method, status_code, plan, is_error, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_customers_1d_mv TO api_calls_customers_1d AS
SELECT
    toDateTime64(toStartOfDay(api_calls.timestamp), 6, 'UTC') AS timestamp,
    service, customer_id, plan, is_error, retention_days,
    sum(weight) AS w_count,
    sum(if(is_error, weight, 0)) AS w_errors,
    count() AS recorded,
    sum(latency_us * weight) AS w_latency,
    min(latency_us) AS min_us,
    max(latency_us) AS max_us
FROM api_calls
GROUP BY timestamp, service, customer_id, plan, is_error, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_latency_1d_mv TO api_calls_latency_1d AS
SELECT
    toDateTime64(toStartOfDay(api_calls.timestamp), 6, 'UTC') AS timestamp,
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

CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_routes_1d_mv TO api_calls_routes_1d AS
SELECT
    toDateTime64(toStartOfDay(api_calls.timestamp), 6, 'UTC') AS timestamp,
    service, route, latency_bucket, retention_days,
    sum(weight) AS w_count,
    sum(if(is_error, weight, 0)) AS w_errors,
    count() AS recorded,
    sum(latency_us * weight) AS w_latency,
    min(latency_us) AS min_us,
    max(latency_us) AS max_us,
    sum(quantile_weight) AS quantile_weight
FROM api_calls
GROUP BY timestamp, service, route, latency_bucket, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_customer_latency_1d_mv
TO api_calls_customer_latency_1d AS
SELECT
    toDateTime64(toStartOfDay(api_calls.timestamp), 6, 'UTC') AS timestamp,
    service, customer_id, latency_bucket, retention_days,
    sum(weight) AS w_count,
    sum(if(is_error, weight, 0)) AS w_errors,
    count() AS recorded,
    sum(latency_us * weight) AS w_latency,
    min(latency_us) AS min_us,
    max(latency_us) AS max_us,
    sum(quantile_weight) AS quantile_weight
FROM api_calls
GROUP BY timestamp, service, customer_id, latency_bucket, retention_days;
