package io.tapline.masking;

/**
 * Card numbers in text: 13 to 19 digits starting with 2 to 6 (the card networks' first digits),
 * possibly grouped by single spaces or dashes, passing the Luhn check. Every scan here is linear in
 * the text.
 */
final class Cards {

  static final int MIN_DIGITS = 13;
  static final int MAX_DIGITS = 19;

  private Cards() {}

  /** {@code s} with card numbers replaced by {@code mask}; {@code s} itself when it has none. */
  static String mask(String s, String mask) {
    if (!mayHold(s, 0, s.length())) {
      return s;
    }
    int n = s.length();
    StringBuilder out = null;
    int copied = 0;
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (c < '2' || c > '6' || (i > 0 && isDigit(s.charAt(i - 1)))) {
        i++;
        continue;
      }
      int digits = 0;
      int j = i;
      int lastDigitEnd = i;
      int matchEnd = -1;
      while (j < n) {
        char d = s.charAt(j);
        if (isDigit(d)) {
          digits++;
          j++;
          lastDigitEnd = j;
          if (digits >= MIN_DIGITS
              && digits <= MAX_DIGITS
              && (j == n || !isDigit(s.charAt(j)))
              && luhn(s, i, j)) {
            matchEnd = j;
          }
          if (digits > MAX_DIGITS) {
            break;
          }
        } else if ((d == ' ' || d == '-')
            && j + 1 < n
            && isDigit(s.charAt(j + 1))
            && j > i
            && isDigit(s.charAt(j - 1))) {
          j++;
        } else {
          break;
        }
      }
      if (matchEnd > 0 && !(matchEnd < n && isDigit(s.charAt(matchEnd)))) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(s, copied, i).append(mask);
        copied = matchEnd;
        i = matchEnd;
      } else {
        i = Math.max(i + 1, lastDigitEnd);
      }
    }
    return out == null ? s : out.append(s, copied, n).toString();
  }

  /**
   * A cheap first pass: true when {@code s[from, to)} has a run of 13 or more digits, possibly
   * grouped by single spaces or dashes. Most text has none and is then left untouched.
   *
   * <p>Such a run spans at least 13 characters that are all digits, spaces or dashes, so it covers
   * one of every 13 positions: only those are looked at, and the span of digits and separators
   * around one that is such a character is checked whole.
   */
  static boolean mayHold(String s, int from, int to) {
    int probe = from + MIN_DIGITS - 1;
    while (probe < to) {
      if (!isDigitOrSeparator(s.charAt(probe))) {
        probe += MIN_DIGITS;
        continue;
      }
      int start = probe;
      while (start > from && isDigitOrSeparator(s.charAt(start - 1))) {
        start--;
      }
      int end = probe + 1;
      while (end < to && isDigitOrSeparator(s.charAt(end))) {
        end++;
      }
      if (hasLongDigitRun(s, start, end)) {
        return true;
      }
      probe = end + MIN_DIGITS; // s[end] is neither: a run after it starts at end + 1
    }
    return false;
  }

  /**
   * True when {@code s[from, to)} is a bare number (an optional minus, then digits only) that is a
   * card number. JSON numbers outside strings are checked with this.
   */
  static boolean isBareCardNumber(String s, int from, int to) {
    int start = from < to && s.charAt(from) == '-' ? from + 1 : from;
    int digits = to - start;
    if (digits < MIN_DIGITS
        || digits > MAX_DIGITS
        || s.charAt(start) < '2'
        || s.charAt(start) > '6') {
      return false;
    }
    for (int i = start; i < to; i++) {
      if (!isDigit(s.charAt(i))) {
        return false;
      }
    }
    return luhn(s, start, to);
  }

  private static boolean isDigitOrSeparator(char c) {
    return isDigit(c) || c == ' ' || c == '-';
  }

  // The run rules over s[from, to), which holds only digits and separators.
  private static boolean hasLongDigitRun(String s, int from, int to) {
    int digits = 0;
    boolean afterSeparator = false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (isDigit(c)) {
        if (++digits >= MIN_DIGITS) {
          return true;
        }
        afterSeparator = false;
      } else if (digits > 0 && !afterSeparator) {
        afterSeparator = true;
      } else {
        digits = 0;
        afterSeparator = false;
      }
    }
    return false;
  }

  // Checks the digits of s[from, to), skipping separators.
  private static boolean luhn(String s, int from, int to) {
    int sum = 0;
    boolean doubled = false;
    for (int k = to - 1; k >= from; k--) {
      char c = s.charAt(k);
      if (!isDigit(c)) {
        continue;
      }
      int v = c - '0';
      if (doubled) {
        v *= 2;
        if (v > 9) {
          v -= 9;
        }
      }
      sum += v;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
