-- Extracted fields: each service may name fields read from its calls' bodies or headers at
-- ingest (after masking), stored with the call. String and number fields apart, so numbers are
-- stored, filtered and aggregated as Float64 without parsing text. The services table keeps the
-- rules as a JSON array.
ALTER TABLE api_calls
    ADD COLUMN IF NOT EXISTS string_fields Map(LowCardinality(String), String) CODEC(LZ4)
        AFTER response_body_truncated,
    ADD COLUMN IF NOT EXISTS number_fields Map(LowCardinality(String), Float64) CODEC(LZ4)
        AFTER string_fields;

ALTER TABLE services ADD COLUMN IF NOT EXISTS field_rules String DEFAULT '[]';
