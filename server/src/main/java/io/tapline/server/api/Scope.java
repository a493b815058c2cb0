package io.tapline.server.api;

/** What an API key may do. */
public enum Scope {
  /** Send calls (IngestService), for the key's service only. */
  INGEST,
  /** Search and analyse calls (QueryService), for the key's service or, unbound, all services. */
  READ,
  /** Replay recorded calls of the key's service. */
  REPLAY,
  /** Everything, including managing services, customers, plans, keys and alert rules. */
  ADMIN
}
