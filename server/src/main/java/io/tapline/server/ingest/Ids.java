package io.tapline.server.ingest;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Server-assigned ids: UUID version 7, so ids sort roughly by creation time. */
final class Ids {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  static String uuidV7() {
    long millis = System.currentTimeMillis();
    long randA = RANDOM.nextInt(1 << 12);
    long msb = (millis << 16) | (0x7L << 12) | randA;
    long lsb = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(msb, lsb).toString();
  }

  /**
   * The {@link BatchKey}s of one client batch, by service, each derived once: a batch may mix
   * services call by call.
   */
  static final class BatchKeys {

    private final String batchId;
    private final Map<String, BatchKey> byService = new HashMap<>();
    private BatchKey last;

    BatchKeys(String batchId) {
      this.batchId = batchId;
    }

    BatchKey of(String service) {
      if (last == null || !last.service().equals(service)) {
        last = byService.computeIfAbsent(service, s -> BatchKey.of(s, batchId));
      }
      return last;
    }
  }

  /**
   * Identifies a client batch (its service and batch id) and derives the ids of its records that
   * came without one: a UUID v7 layout whose time is the record's timestamp and whose other bits
   * hash (service, batch id, position). The same batch sent again yields the same ids, which is
   * what lets a retry be recognised record by record.
   */
  record BatchKey(String service, String batchId, long h1, long h2) {

    static BatchKey of(String service, String batchId) {
      long h1 = 0x9E37_79B9_7F4A_7C15L;
      long h2 = 0xC2B2_AE3D_27D4_EB4FL;
      for (byte b : (service + "\u0000" + batchId).getBytes(StandardCharsets.UTF_8)) {
        h1 = mix(h1 ^ b);
        h2 = mix(h2 + b);
      }
      return new BatchKey(service, batchId, h1, h2);
    }

    String recordId(int index, long timestampMillis) {
      long a = mix(h1 + index);
      long b = mix(h2 ^ (index * 0xD6E8_FEB8_6659_FD93L));
      long msb = (timestampMillis << 16) | (0x7L << 12) | (a & 0xFFF);
      long lsb = (b & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
      return new UUID(msb, lsb).toString();
    }

    // SplitMix64's finaliser.
    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
      return z ^ (z >>> 31);
    }
  }
}
