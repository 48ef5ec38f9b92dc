package io.github.resilientredis.bridge;

import java.nio.charset.StandardCharsets;

/** Strict UTF-8 checks: a value that is not valid UTF-8 is never turned into JSON text. */
final class Utf8 {

  private Utf8() {}

  /**
   * The bytes as a String, or null when they are not valid UTF-8. The JDK replaces malformed input
   * with U+FFFD; only a result that contains U+FFFD needs the strict check (an ASCII or Latin-1
   * result cannot contain it, so the common case costs one decode).
   */
  static String decodeOrNull(byte[] bytes) {
    String s = new String(bytes, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') >= 0 && !isValid(bytes)) {
      return null;
    }
    return s;
  }

  /** RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
  static boolean isValid(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      if (c < 0xC2 || c > 0xF4) {
        return false; // continuation byte first, overlong 2-byte lead, or beyond U+10FFFF
      }
      if (c < 0xE0) {
        if (i + 1 >= n || !cont(b[i + 1])) {
          return false;
        }
        i += 2;
      } else if (c < 0xF0) {
        if (i + 2 >= n) {
          return false;
        }
        int c1 = b[i + 1] & 0xFF;
        if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || !cont(b[i + 1])
            || !cont(b[i + 2])) {
          return false; // overlong, or a UTF-16 surrogate
        }
        i += 3;
      } else {
        if (i + 3 >= n) {
          return false;
        }
        int c1 = b[i + 1] & 0xFF;
        if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F) || !cont(b[i + 1])
            || !cont(b[i + 2]) || !cont(b[i + 3])) {
          return false;
        }
        i += 4;
      }
    }
    return true;
  }

  private static boolean cont(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
