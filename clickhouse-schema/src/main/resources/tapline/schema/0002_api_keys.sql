-- API keys. Only a SHA-256 hash of each key's secret is stored; the key itself is shown once.
-- A change (revocation, new name) is a new row with a higher version; read with FINAL.
CREATE TABLE IF NOT EXISTS api_keys
(
    key_id      String,
    name        String,
    secret_hash String,
    scopes      Array(LowCardinality(String)),
    service     String,
    customer_id String,
    plan        String,
    created_at  DateTime64(3, 'UTC'),
    -- 0 (1970-01-01) means "never expires".
    expires_at  DateTime64(3, 'UTC'),
    revoked     UInt8,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY key_id
