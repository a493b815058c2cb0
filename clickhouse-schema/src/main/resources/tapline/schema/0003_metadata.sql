-- Registered services, customers and usage plans. Like api_keys: a change is a new row with a
-- higher version, a deletion a row with deleted = 1; read with FINAL.
CREATE TABLE IF NOT EXISTS services
(
    name               String,
    description        String,
    base_url           String,
    -- Replay targets besides base_url: URL prefixes (scheme://host[:port][/path]) and, to allow
    -- otherwise forbidden addresses, exact IP literals.
    replay_allow_list  Array(String),
    -- 0 means the server's default retention.
    retention_days     UInt16,
    -- Header names masked on top of the server's defaults, lower case.
    sensitive_headers  Array(String),
    created_at         DateTime64(3, 'UTC'),
    deleted            UInt8,
    version            UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;

CREATE TABLE IF NOT EXISTS customers
(
    id          String,
    name        String,
    plan        String,
    created_at  DateTime64(3, 'UTC'),
    deleted     UInt8,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS plans
(
    id                   String,
    name                 String,
    description          String,
    -- Requests per second allowed to each key on the plan; 0 means the server default.
    rate_limit_per_second UInt32,
    created_at           DateTime64(3, 'UTC'),
    deleted              UInt8,
    version              UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
