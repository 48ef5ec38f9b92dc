package io.github.resilientredis.bridge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlockingCommandsTest {

  private final BlockingCommands cap2s = new BlockingCommands(Duration.ofSeconds(2));

  private static List<String> words(Command c) {
    List<String> out = new ArrayList<>();
    for (byte[] a : c.args) {
      out.add(new String(a, UTF_8));
    }
    return out;
  }

  @Test
  void capsForeverAndLongTimeouts() {
    assertEquals(List.of("BLPOP", "a", "b", "2"), words(cap2s.cap(Command.of("BLPOP", "a", "b",
        "0"))));
    assertEquals(List.of("brpop", "a", "2"), words(cap2s.cap(Command.of("brpop", "a", "30"))));
    assertEquals(List.of("BLMOVE", "a", "b", "LEFT", "RIGHT", "2"),
        words(cap2s.cap(Command.of("BLMOVE", "a", "b", "LEFT", "RIGHT", "0"))));
    assertEquals(List.of("BLMPOP", "2", "1", "a", "LEFT"),
        words(cap2s.cap(Command.of("BLMPOP", "0", "1", "a", "LEFT"))));
    assertEquals(List.of("XREAD", "COUNT", "1", "BLOCK", "2000", "STREAMS", "s", "$"),
        words(cap2s.cap(Command.of("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "$"))));
    assertEquals(List.of("XREADGROUP", "GROUP", "BLOCK", "c", "BLOCK", "2000", "STREAMS", "s",
        ">"), words(cap2s.cap(Command.of("XREADGROUP", "GROUP", "BLOCK", "c", "BLOCK", "60000",
        "STREAMS", "s", ">"))));
    assertEquals(List.of("WAIT", "1", "2000"), words(cap2s.cap(Command.of("WAIT", "1", "0"))));
  }

  @Test
  void leavesShortTimeoutsAndNonNumbersAlone() {
    Command shortWait = Command.of("BLPOP", "a", "0.5");
    assertSame(shortWait, cap2s.cap(shortWait));
    Command notNumber = Command.of("BLPOP", "a", "soon");
    assertSame(notNumber, cap2s.cap(notNumber));
    Command get = Command.of("GET", "a");
    assertSame(get, cap2s.cap(get));
  }

  @Test
  void fractionalCapsAreWrittenInSeconds() {
    BlockingCommands cap = new BlockingCommands(Duration.ofMillis(1500));
    assertEquals("1.500", words(cap.cap(Command.of("BLPOP", "a", "0"))).get(2));
  }

  @Test
  void knowsWhichCommandsBlock() {
    assertTrue(BlockingCommands.isBlocking(Command.of("blpop", "a", "1")));
    assertTrue(BlockingCommands.isBlocking(Command.of("XREAD", "BLOCK", "0", "STREAMS", "s", "$")));
    assertFalse(BlockingCommands.isBlocking(Command.of("XREAD", "STREAMS", "s", "0")));
    assertFalse(BlockingCommands.isBlocking(Command.of("LPOP", "a")));
  }
}
