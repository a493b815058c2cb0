-- Ingest recognises a re-sent batch by looking up (service, batch_id, id) of the rows it is
-- about to insert; a bloom filter on batch_id lets that lookup skip the granules of other
-- batches. New parts get the index; older parts are read without it (no rewrite).
ALTER TABLE api_calls ADD INDEX IF NOT EXISTS idx_batch_id batch_id TYPE bloom_filter(0.001) GRANULARITY 1
