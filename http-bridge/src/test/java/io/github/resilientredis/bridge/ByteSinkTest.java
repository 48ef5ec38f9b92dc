package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteSinkTest {

  @Test
  void encodesUtf8LikeTheJdk() {
    Random random = new Random(7);
    for (int n = 0; n < 2000; n++) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < random.nextInt(40); i++) {
        int kind = random.nextInt(4);
        text.appendCodePoint(switch (kind) {
          case 0 -> random.nextInt(0x80);
          case 1 -> 0x80 + random.nextInt(0x780);
          case 2 -> 0xE000 + random.nextInt(0x1000);
          default -> 0x10000 + random.nextInt(0xFFFF);
        });
      }
      String s = text.toString();
      ByteSink sink = new ByteSink();
      sink.write(s, 0, s.length());
      assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), sink.toByteArray(), s);
      ByteSink chars = new ByteSink();
      chars.write(s.toCharArray(), 0, s.length());
      assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), chars.toByteArray(), s);
    }
  }

  @Test
  void aSurrogatePairSplitAcrossWritesStaysOneCharacter() {
    String emoji = "\ud83d\ude00";
    ByteSink sink = new ByteSink();
    sink.write(emoji.charAt(0));
    sink.write(emoji.charAt(1));
    assertEquals(emoji, sink.asString());
  }

  @Test
  void aLoneSurrogateBecomesAQuestionMark() {
    ByteSink sink = new ByteSink();
    sink.write("a\ud800b");
    sink.write("\udc00");
    assertEquals("a?b?", sink.asString());
  }

  @Test
  void growsAndResets() {
    ByteSink sink = new ByteSink();
    byte[] big = new byte[3 << 20];
    sink.writeBytes(big);
    assertEquals(big.length, sink.length());
    sink.reset();
    assertEquals(0, sink.length());
    sink.writeAscii("OK");
    sink.writeDecimal(-12);
    assertEquals("OK-12", sink.asString());
  }
}
