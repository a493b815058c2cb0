package io.tapline.server.ingest;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A fixed set of names looked up in place, in a region of a longer string, without copying or
 * lower-casing it first: the masker asks it about every header, parameter and JSON member name.
 * Two ways to compare, fixed when the set is made:
 *
 * <ul>
 *   <li>{@link #normalized}: as {@link Masker#normalize} compares (lower case by {@link
 *       Character#toLowerCase(char)}, {@code '-'} and {@code '_'} ignored);
 *   <li>{@link #lowerCase}: as {@code name.toLowerCase(Locale.ROOT)} compares. Names with a
 *       non-ASCII character are looked up through that method itself, since a few characters
 *       lower-case to more than one.
 * </ul>
 *
 * <p>An open-addressing table of the names with their hashes ({@link String#hashCode} of the
 * compared form, computed while reading the region). Immutable and thread-safe.
 */
final class NameSet {

  private final boolean normalize;
  private final Set<String> names;
  /** The names that their compared form leaves as they are (all but a few exotic ones). */
  private final Set<String> fixedPoints;
  private final String[] table;
  private final int[] hashes;
  private final int mask;

  private NameSet(boolean normalize, Collection<String> names) {
    this.normalize = normalize;
    Set<String> compared = new LinkedHashSet<>();
    for (String name : names) {
      compared.add(compare(name));
    }
    this.names = Set.copyOf(compared);
    Set<String> fixed = new LinkedHashSet<>();
    for (String name : compared) {
      if (compare(name).equals(name)) {
        fixed.add(name);
      }
    }
    this.fixedPoints = Set.copyOf(fixed);
    int size = Integer.highestOneBit(Math.max(4, compared.size() * 4 - 1)) * 2;
    this.table = new String[size];
    this.hashes = new int[size];
    this.mask = size - 1;
    for (String name : compared) {
      int slot = spread(name.hashCode()) & mask;
      while (table[slot] != null) {
        slot = (slot + 1) & mask;
      }
      table[slot] = name;
      hashes[slot] = name.hashCode();
    }
  }

  private String compare(String name) {
    return normalize ? Masker.normalize(name) : name.toLowerCase(Locale.ROOT);
  }

  /** Names compared as {@link Masker#normalize} compares them. */
  static NameSet normalized(Collection<String> names) {
    return new NameSet(true, names);
  }

  /** Names compared ignoring case as {@code toLowerCase(Locale.ROOT)} does. */
  static NameSet lowerCase(Collection<String> names) {
    return new NameSet(false, names);
  }

  /**
   * True when {@code name} is one of the names. Names that are already in their compared form
   * (lower case, and for a normalized set without separators: most header names, JSON member
   * names and parameters) are found through their own hash, which Strings keep once computed and
   * which the maps holding these names have computed already.
   */
  boolean contains(String name) {
    if (fixedPoints.contains(name)) {
      return true;
    }
    for (int i = 0, n = name.length(); i < n; i++) {
      char c = name.charAt(i);
      if ((c >= 'A' && c <= 'Z') || c >= 0x80 || (normalize && (c == '-' || c == '_'))) {
        return contains(name, 0, n); // compared in another form
      }
    }
    return false;
  }

  /** True when {@code s[from, to)} is one of the names. */
  boolean contains(String s, int from, int to) {
    if (names.isEmpty()) {
      return false;
    }
    int h = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return normalize
            ? containsSlowly(s, from, to)
            : names.contains(s.substring(from, to).toLowerCase(Locale.ROOT));
      }
      if (normalize && (c == '-' || c == '_')) {
        continue;
      }
      h = 31 * h + lower(c);
    }
    for (int slot = spread(h) & mask; table[slot] != null; slot = (slot + 1) & mask) {
      if (hashes[slot] == h && regionEquals(table[slot], s, from, to)) {
        return true;
      }
    }
    return false;
  }

  // Regions with non-ASCII characters: lower-cased by Character.toLowerCase, as normalize does.
  private boolean containsSlowly(String s, int from, int to) {
    return names.contains(Masker.normalize(s.substring(from, to)));
  }

  // The ASCII region s[from, to) against a name in its compared form.
  private boolean regionEquals(String name, String s, int from, int to) {
    int k = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (normalize && (c == '-' || c == '_')) {
        continue;
      }
      if (k == name.length() || name.charAt(k++) != lower(c)) {
        return false;
      }
    }
    return k == name.length();
  }

  private static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }
}
