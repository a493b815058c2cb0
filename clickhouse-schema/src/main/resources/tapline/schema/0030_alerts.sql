-- Alert rules. Like services: a change is a new row with a higher version, a deletion a row with
-- deleted = 1; read with FINAL. The condition and webhooks are kept as the rule's protobuf JSON.
CREATE TABLE IF NOT EXISTS alert_rules
(
    id          String,
    service     String,
    definition  String,
    created_at  DateTime64(3, 'UTC'),
    updated_at  DateTime64(3, 'UTC'),
    deleted     UInt8,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- Alert events. An event's id is derived from the insert's block number and the row's offset in
-- it (_block_number * 10000 + _block_offset): ClickHouse allocates block numbers in the order
-- parts become visible, so ids rise in the order readers can see events, across replicas sharing
-- this table. event_key is the insert deduplication token: replicas storing the same transition
-- of a windowed rule (same rule, transition and evaluation slot) store it once.
CREATE TABLE IF NOT EXISTS alert_events
(
    event_key        String,
    rule_id          String,
    rule_name        String,
    service          LowCardinality(String),
    severity         UInt8,
    kind             UInt8,
    value            Float64,
    threshold        Float64,
    window_ms        UInt64,
    window_start     DateTime64(3, 'UTC'),
    window_end       DateTime64(3, 'UTC'),
    event_time       DateTime64(3, 'UTC'),
    sample_call_ids  Array(String),
    count            UInt64,
    description      String,
    -- The replica that stored the event; it alone delivers the event's webhooks.
    origin           String
)
ENGINE = MergeTree
-- Evaluation reads the latest transition of each rule, and history is mostly read per rule.
ORDER BY (rule_id, event_time)
TTL toDateTime(event_time) + toIntervalDay(90)
SETTINGS enable_block_number_column = 1,
         enable_block_offset_column = 1,
         non_replicated_deduplication_window = 10000;

-- Webhook delivery attempts, one row per attempt.
CREATE TABLE IF NOT EXISTS alert_deliveries
(
    time         DateTime64(3, 'UTC'),
    event_id     UInt64,
    rule_id      String,
    url          String,
    attempt      UInt16,
    http_status  UInt16,
    success      UInt8,
    error        String
)
ENGINE = MergeTree
ORDER BY (rule_id, event_id, time)
TTL toDateTime(time) + toIntervalDay(30)
