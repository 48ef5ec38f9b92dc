package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {

  private static boolean jdkSaysValid(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  void agreesWithTheJdkDecoderOnRandomBytes() {
    Random random = new Random(42);
    int invalid = 0;
    for (int n = 0; n < 200_000; n++) {
      byte[] bytes = new byte[random.nextInt(8)];
      for (int i = 0; i < bytes.length; i++) {
        // mostly the interesting range: leads, continuations, and some ASCII
        bytes[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt(128) : 0x80 + random.nextInt(128));
      }
      boolean expected = jdkSaysValid(bytes);
      assertEquals(expected, Utf8.isValid(bytes), () -> java.util.HexFormat.of().formatHex(bytes));
      if (!expected) {
        invalid++;
      }
    }
    assertTrue(invalid > 1000, "the sample must hold invalid sequences");
  }

  @Test
  void refusesOverlongsSurrogatesAndTooHigh() {
    assertFalse(Utf8.isValid(new byte[] {(byte) 0xC0, (byte) 0x80}));
    assertFalse(Utf8.isValid(new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80}));
    assertFalse(Utf8.isValid(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}));
    assertFalse(Utf8.isValid(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
    assertFalse(Utf8.isValid(new byte[] {(byte) 0xE2, (byte) 0x82}));
    assertTrue(Utf8.isValid("h\u00e9llo \u20ac \ud83d\ude00 \ufffd".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void decodesValidTextAndRefusesTheRest() {
    assertEquals("\ufffd ok", Utf8.decodeOrNull("\ufffd ok".getBytes(StandardCharsets.UTF_8)));
    assertNull(Utf8.decodeOrNull(new byte[] {'a', (byte) 0xff}));
    assertEquals("plain", Utf8.decodeOrNull("plain".getBytes(StandardCharsets.UTF_8)));
  }
}
