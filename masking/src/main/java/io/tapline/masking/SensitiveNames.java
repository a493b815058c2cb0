package io.tapline.masking;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of sensitive names (of headers, parameters, fields) and the rule that decides whether a
 * name met in a call is one of them. Names are compared as tokens:
 *
 * <ul>
 *   <li>a name is split into tokens at every character that is not a letter or digit and where a
 *       lower-case letter or digit is followed by an upper-case letter: {@code X-Amz-Signature},
 *       {@code new_password} and {@code newPassword} have the tokens {@code x amz signature} and
 *       {@code new password};
 *   <li>it is sensitive when its tokens joined ({@code xamzsignature}), any one token, or any two
 *       adjacent tokens joined ({@code apikey} in {@code x-api-key}) equal a listed name in the
 *       same form (lower case, separators removed: {@code client_secret} is listed as {@code
 *       clientsecret});
 *   <li>the {@linkplain #WHOLE_NAME_ONLY short generic names} match only a whole name, since as a
 *       part they mostly name harmless things ({@code sort_key}, {@code country_code}).
 * </ul>
 *
 * <p>Lookups read the name in place, in a region of a longer string, without copies: the masker
 * asks about every header, parameter and JSON member name of every call. Immutable, thread-safe.
 */
public final class SensitiveNames {

  /** Listed names that match only a whole name, never a part of a longer one. */
  public static final Set<String> WHOLE_NAME_ONLY =
      Set.of("key", "code", "sig", "auth", "session", "pan", "pin", "id");

  private static final SensitiveNames NONE = new SensitiveNames(List.of());

  /** Every listed name, in compared form: matched by a whole name or two adjacent tokens. */
  private final Table names;

  /** The listed names that also match as one token of a longer name. */
  private final Table tokens;

  private final Set<String> listed;

  private SensitiveNames(Collection<String> names) {
    Set<String> compared = new HashSet<>();
    for (String name : names) {
      String c = compared(name);
      if (!c.isEmpty()) {
        compared.add(c);
      }
    }
    Set<String> single = new HashSet<>();
    for (String c : compared) {
      if (!WHOLE_NAME_ONLY.contains(c)) {
        single.add(c);
      }
    }
    this.listed = Set.copyOf(compared);
    this.names = new Table(compared);
    this.tokens = new Table(single);
  }

  /** The names {@code names}, compared as this class describes. */
  public static SensitiveNames of(Collection<String> names) {
    return names.isEmpty() ? NONE : new SensitiveNames(names);
  }

  /** No name at all. */
  public static SensitiveNames none() {
    return NONE;
  }

  /** These names and {@code more}. */
  public SensitiveNames plus(Collection<String> more) {
    if (more.isEmpty()) {
      return this;
    }
    Set<String> all = new HashSet<>(listed);
    all.addAll(more);
    return new SensitiveNames(all);
  }

  /** These names and those of {@code other}. */
  public SensitiveNames plus(SensitiveNames other) {
    return other.listed.isEmpty() ? this : plus(other.listed);
  }

  /** True when {@code name} is sensitive. */
  public boolean contains(String name) {
    if (listed.isEmpty()) {
      return false;
    }
    int h = name.hashCode(); // kept by the String once computed
    int slot = (h ^ (h >>> 16)) & (MEMO_SIZE - 1);
    Decision seen = memo[slot];
    if (seen != null && seen.name.equals(name)) {
      return seen.sensitive;
    }
    boolean sensitive = decide(name, 0, name.length());
    if (name.length() <= MAX_MEMO_NAME) {
      memo[slot] = new Decision(name, sensitive);
    }
    return sensitive;
  }

  /** True when the name {@code s[from, to)} is sensitive. */
  public boolean contains(String s, int from, int to) {
    if (listed.isEmpty() || to <= from) {
      return false;
    }
    int length = to - from;
    if (length > MAX_MEMO_NAME) {
      return decide(s, from, to);
    }
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + s.charAt(i);
    }
    int slot = (h ^ (h >>> 16)) & (MEMO_SIZE - 1);
    Decision seen = memo[slot];
    if (seen != null
        && seen.name.length() == length
        && s.regionMatches(from, seen.name, 0, length)) {
      return seen.sensitive;
    }
    boolean sensitive = decide(s, from, to);
    memo[slot] = new Decision(s.substring(from, to), sensitive);
    return sensitive;
  }

  /**
   * Decisions already taken, by exact name: names repeat from call to call (headers, members of the
   * same JSON schema), and a look-up here costs a hash and a comparison instead of reading the name
   * token by token. Direct-mapped and fixed in size, so hostile names only evict others; slots are
   * written racily, which is safe because a decision is immutable.
   */
  private final Decision[] memo = new Decision[MEMO_SIZE];

  private static final int MEMO_SIZE = 2048;
  private static final int MAX_MEMO_NAME = 64;

  private record Decision(String name, boolean sensitive) {}

  private boolean decide(String s, int from, int to) {
    // One pass: the hash of the whole name in compared form, of the current token and of the
    // previous token joined with it. A hash found in a table is confirmed by comparing text.
    int whole = 0;
    int tokenHash = 0;
    int tokenStart = -1;
    int prevStart = -1;
    int prevEnd = -1;
    int prevHash = 0;
    char last = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return containsSlowly(s.substring(from, to));
      }
      boolean alnum = isLetterOrDigit(c);
      boolean camel = tokenStart >= 0 && isUpper(c) && (isLower(last) || isDigit(last));
      if (tokenStart >= 0 && (!alnum || camel)) {
        if (endToken(s, tokenStart, i, tokenHash, prevStart, prevEnd, prevHash)) {
          return true;
        }
        prevStart = tokenStart;
        prevEnd = i;
        prevHash = tokenHash;
        tokenStart = -1;
      }
      if (alnum) {
        char lower = lower(c);
        if (tokenStart < 0) {
          tokenStart = i;
          tokenHash = 0;
        }
        tokenHash = 31 * tokenHash + lower;
        whole = 31 * whole + lower;
      }
      last = c;
    }
    if (tokenStart >= 0) {
      if (tokenStart == from && prevStart < 0) {
        // A single token: the whole name is that token.
        return names.matches(tokenHash, s, tokenStart, to, -1, -1);
      }
      if (endToken(s, tokenStart, to, tokenHash, prevStart, prevEnd, prevHash)) {
        return true;
      }
    }
    return names.matchesWhole(whole, s, from, to);
  }

  // A token s[start, end) ended: is it, or it joined to the previous one, a listed name?
  private boolean endToken(
      String s, int start, int end, int hash, int prevStart, int prevEnd, int prevHash) {
    if (tokens.matches(hash, s, start, end, -1, -1)) {
      return true;
    }
    if (prevStart >= 0) {
      int joined = prevHash * pow31(end - start) + hash;
      return names.matches(joined, s, prevStart, prevEnd, start, end);
    }
    return false;
  }

  // Names with characters beyond ASCII: the same rule on a copy (rare).
  private boolean containsSlowly(String name) {
    List<String> parts = tokens(name);
    if (listed.contains(String.join("", parts))) {
      return true;
    }
    for (int i = 0; i < parts.size(); i++) {
      String token = parts.get(i);
      if (listed.contains(token) && (parts.size() == 1 || !WHOLE_NAME_ONLY.contains(token))) {
        return true;
      }
      if (i > 0 && listed.contains(parts.get(i - 1) + token)) {
        return true;
      }
    }
    return false;
  }

  /** The tokens of {@code name}, in lower case (by {@link Character#toLowerCase(char)}). */
  static List<String> tokens(String name) {
    List<String> out = new java.util.ArrayList<>();
    StringBuilder token = new StringBuilder();
    char last = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alnum = Character.isLetterOrDigit(c);
      boolean camel =
          !token.isEmpty()
              && Character.isUpperCase(c)
              && (Character.isLowerCase(last) || Character.isDigit(last));
      if (!token.isEmpty() && (!alnum || camel)) {
        out.add(token.toString());
        token.setLength(0);
      }
      if (alnum) {
        token.append(Character.toLowerCase(c));
      }
      last = c;
    }
    if (!token.isEmpty()) {
      out.add(token.toString());
    }
    return out;
  }

  /** A listed name in the form it is compared in: its tokens joined. */
  static String compared(String name) {
    return String.join("", tokens(name));
  }

  private static final int[] POW31 = new int[64];

  static {
    POW31[0] = 1;
    for (int i = 1; i < POW31.length; i++) {
      POW31[i] = POW31[i - 1] * 31;
    }
  }

  private static int pow31(int n) {
    if (n < POW31.length) {
      return POW31[n];
    }
    int p = 1;
    for (int i = 0; i < n; i++) {
      p *= 31;
    }
    return p;
  }

  private static boolean isLetterOrDigit(char c) {
    return isLower(c) || isUpper(c) || isDigit(c);
  }

  private static boolean isLower(char c) {
    return c >= 'a' && c <= 'z';
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static char lower(char c) {
    return isUpper(c) ? (char) (c + ('a' - 'A')) : c;
  }

  @Override
  public String toString() {
    return "SensitiveNames" + new java.util.TreeSet<>(listed);
  }

  /**
   * Names in compared form in an open-addressing table of their hashes ({@link String#hashCode} of
   * the compared form, which a lookup computes while reading the region).
   */
  private static final class Table {

    private final String[] names;
    private final int[] hashes;
    private final int mask;

    Table(Collection<String> compared) {
      int size = Integer.highestOneBit(Math.max(4, compared.size() * 4 - 1)) * 2;
      names = new String[size];
      hashes = new int[size];
      mask = size - 1;
      for (String name : compared) {
        int slot = spread(name.hashCode()) & mask;
        while (names[slot] != null) {
          slot = (slot + 1) & mask;
        }
        names[slot] = name;
        hashes[slot] = name.hashCode();
      }
    }

    /** True when s[a, b) followed by s[c, d) (when c >= 0), lower-cased, is a name. */
    boolean matches(int hash, String s, int a, int b, int c, int d) {
      int length = (b - a) + (c < 0 ? 0 : d - c);
      for (int slot = spread(hash) & mask; names[slot] != null; slot = (slot + 1) & mask) {
        String name = names[slot];
        if (hashes[slot] == hash
            && name.length() == length
            && equalsLower(name, 0, s, a, b)
            && (c < 0 || equalsLower(name, b - a, s, c, d))) {
          return true;
        }
      }
      return false;
    }

    /** True when the letters and digits of s[from, to), lower-cased, are a name. */
    boolean matchesWhole(int hash, String s, int from, int to) {
      for (int slot = spread(hash) & mask; names[slot] != null; slot = (slot + 1) & mask) {
        if (hashes[slot] == hash && equalsLetters(names[slot], s, from, to)) {
          return true;
        }
      }
      return false;
    }

    // The letters and digits of s[from, to), lower-cased, against a name.
    private static boolean equalsLetters(String name, String s, int from, int to) {
      int k = 0;
      for (int i = from; i < to; i++) {
        char c = s.charAt(i);
        if (isLetterOrDigit(c) && (k == name.length() || name.charAt(k++) != lower(c))) {
          return false;
        }
      }
      return k == name.length();
    }

    private static boolean equalsLower(String name, int offset, String s, int from, int to) {
      for (int i = from, k = offset; i < to; i++, k++) {
        if (name.charAt(k) != lower(s.charAt(i))) {
          return false;
        }
      }
      return true;
    }

    private static int spread(int h) {
      return h ^ (h >>> 16);
    }
  }
}
