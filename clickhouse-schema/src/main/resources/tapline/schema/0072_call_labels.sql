-- Labels on calls: every label ever sent is a row (history is kept); a call's value of a label is
-- its latest row by label time, then by arrival. Sorted by service, name and call so that the
-- latest values of one label (filters, counts, exports) read a contiguous range.
CREATE TABLE IF NOT EXISTS call_labels
(
    service     LowCardinality(String),
    name        LowCardinality(String),
    call_id     String CODEC(ZSTD(1)),
    value       String CODEC(ZSTD(1)),
    source      LowCardinality(String),
    labelled_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    received_at DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1))
)
ENGINE = MergeTree
ORDER BY (service, name, call_id, labelled_at)
