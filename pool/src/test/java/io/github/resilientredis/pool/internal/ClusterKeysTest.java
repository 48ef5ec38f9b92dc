package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ClusterKeysTest {

  @Test
  void theFirstArgumentIsTheKeyOfMostCommands() {
    assertEquals(1, index("GET", "k"));
    assertEquals(1, index("set", "k", "v"));
    assertEquals(ClusterKeys.slotOfKey(b("k")), ClusterKeys.slot(cmd("INCR", "k")));
  }

  @Test
  void hashTagsPutKeysInOneSlot() {
    assertEquals(ClusterKeys.slotOfKey(b("{user1}.name")), ClusterKeys.slotOfKey(b("{user1}.visits")));
  }

  @Test
  void scriptsAndStreamsNameTheirKeysFurtherOn() {
    assertEquals(3, index("EVAL", "return 1", "1", "k"));
    assertEquals(-1, index("EVALSHA", "abc", "0"));
    assertEquals(4, index("XREAD", "COUNT", "1", "STREAMS", "s", "0"));
    assertEquals(2, index("OBJECT", "ENCODING", "k"));
    assertEquals(2, index("MEMORY", "USAGE", "k"));
  }

  @Test
  void commandsWithoutKeysGoAnywhere() {
    assertEquals(-1, index("PING"));
    assertEquals(-1, index("INFO", "server"));
    assertEquals(ClusterKeys.NO_KEY, ClusterKeys.slot(cmd("CLUSTER", "SLOTS")));
  }

  private static int index(String... parts) {
    return ClusterKeys.firstKeyIndex(cmd(parts));
  }

  private static byte[][] cmd(String... parts) {
    return Arrays.stream(parts).map(ClusterKeysTest::b).toArray(byte[][]::new);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
