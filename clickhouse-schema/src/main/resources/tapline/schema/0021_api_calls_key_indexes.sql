-- Bloom-filter skip indexes on the customer and the API key, for searches that name one.
-- Measured on 10 million calls where one key made 0.02 % of the traffic, spread over the day:
-- the key's index let ClickHouse skip 22 % of the granules, and a search for the key's newest
-- 5xx calls took about 10 % less time; rarer or more bursty keys skip more. The indexes are
-- built for existing parts in the background (MATERIALIZE INDEX is a mutation).
ALTER TABLE api_calls
    ADD INDEX IF NOT EXISTS idx_customer_id customer_id TYPE bloom_filter(0.01) GRANULARITY 1,
    ADD INDEX IF NOT EXISTS idx_api_key_id api_key_id TYPE bloom_filter(0.01) GRANULARITY 1;

ALTER TABLE api_calls MATERIALIZE INDEX idx_customer_id;

ALTER TABLE api_calls MATERIALIZE INDEX idx_api_key_id;
