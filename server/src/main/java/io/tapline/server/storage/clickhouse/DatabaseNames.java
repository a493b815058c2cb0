package io.tapline.server.storage.clickhouse;

import java.util.regex.Pattern;

/**
 * The database names the store accepts: they are written into SQL as they are. A class of its own,
 * so that checking a name (the configuration does, before logging is set up) loads nothing else.
 */
public final class DatabaseNames {

  public static final Pattern VALID = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  private DatabaseNames() {}
}
