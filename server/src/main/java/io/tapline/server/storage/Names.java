package io.tapline.server.storage;

import java.util.regex.Pattern;

/** What names look like, wherever they are checked. */
public final class Names {

  /**
   * A service, customer, plan, dataset or baseline: 1 to 128 characters from {@code
   * [A-Za-z0-9._-]}.
   */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /**
   * An extracted field or a label: 1 to 64 characters from {@code [A-Za-z0-9._-]}, so that it can
   * be written into SQL as a literal.
   */
  public static final Pattern FIELD = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private Names() {}
}
