-- Every INSERT of calls carries a deduplication token, and the table remembers the tokens of its
-- last 1,000 inserted blocks. An INSERT whose answer never came (the engine stopped answering, a
-- timeout) may still commit later; the writer then sends the same rows again with the same token
-- before anything else, so whichever of the two commits second is dropped by the engine: the calls
-- are stored once, whatever the order. A token replaces hashing the block's data.
ALTER TABLE api_calls MODIFY SETTING non_replicated_deduplication_window = 1000;
