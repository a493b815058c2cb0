package io.tapline.server.storage;

/** What calls can be grouped by. Values are always text (a status code as "404"). */
public enum Dimension {
  SERVICE,
  ROUTE,
  METHOD,
  STATUS_CODE,
  /** "2xx", "4xx", ... */
  STATUS_CLASS,
  CUSTOMER,
  PLAN,
  SOURCE_IP,
  /** The value of one tag, named by the query. */
  TAG,
  /** The value of one extracted string field, named by the query. */
  FIELD
}
