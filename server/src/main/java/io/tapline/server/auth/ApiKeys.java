package io.tapline.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The API key format: {@code tap_<id>_<secret><check>}.
 *
 * <ul>
 *   <li>{@code tap_} makes keys recognisable (and findable by secret scanners);
 *   <li>{@code id}: 12 base32 characters, public, the lookup key;
 *   <li>{@code secret}: 26 base32 characters, 130 random bits; only its SHA-256 is stored;
 *   <li>{@code check}: 6 base32 characters of CRC-32 over the rest, so mistyped or truncated keys
 *       are refused without a lookup.
 * </ul>
 */
public final class ApiKeys {

  static final String PREFIX = "tap_";
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
  private static final Pattern FORMAT =
      Pattern.compile("tap_([a-z2-7]{12})_([a-z2-7]{26})([a-z2-7]{6})");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  /** A parsed, well-formed key. */
  public record Parsed(String keyId, String secret) {}

  /** A new key with its id. */
  public record Generated(String keyId, String key, String secretHash) {}

  public static Generated generate() {
    String id = random(12);
    String secret = random(26);
    String body = PREFIX + id + "_" + secret;
    String key = body + checksum(body);
    return new Generated(id, key, hash(secret));
  }

  /**
   * The key's parts, or null when it is not a well-formed Tapline key (wrong shape or checksum).
   */
  public static Parsed parse(String key) {
    if (key == null) {
      return null;
    }
    Matcher m = FORMAT.matcher(key);
    if (!m.matches()) {
      return null;
    }
    String body = PREFIX + m.group(1) + "_" + m.group(2);
    if (!checksum(body).equals(m.group(3))) {
      return null;
    }
    return new Parsed(m.group(1), m.group(2));
  }

  /**
   * The stored form of a secret: SHA-256, hex. The secret has 130 random bits, so no salt is
   * needed.
   */
  public static String hash(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Compares a secret with a stored hash in constant time. */
  public static boolean matches(String secret, String storedHash) {
    return MessageDigest.isEqual(
        hash(secret).getBytes(StandardCharsets.US_ASCII),
        storedHash.getBytes(StandardCharsets.US_ASCII));
  }

  private static String checksum(String body) {
    CRC32 crc = new CRC32();
    crc.update(body.getBytes(StandardCharsets.US_ASCII));
    long value = crc.getValue();
    StringBuilder out = new StringBuilder(6);
    for (int i = 0; i < 6; i++) {
      out.append(ALPHABET.charAt((int) (value & 31)));
      value >>>= 5;
    }
    return out.toString();
  }

  private static String random(int length) {
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(ALPHABET.charAt(RANDOM.nextInt(32)));
    }
    return out.toString();
  }
}
