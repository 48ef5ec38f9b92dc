package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.pool.RedisPool;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandPolicyTest {

  private static final CommandPolicy DEFAULT = new CommandPolicy(Set.of(), Set.of(), Set.of(),
      false);

  private static int status(CommandPolicy policy, String... words) {
    return assertThrows(BridgeException.class, () -> policy.check(Command.of(words), "")).status;
  }

  @Test
  void servesOrdinaryCommandsInAnyCase() {
    for (String name : new String[] {"get", "SET", "Keys", "eval", "script", "publish", "info"}) {
      assertDoesNotThrow(() -> DEFAULT.check(Command.of(name, "x"), ""));
    }
    assertDoesNotThrow(() -> DEFAULT.check(Command.of("SCRIPT", "LOAD", "return 1"), ""));
    assertDoesNotThrow(() -> DEFAULT.check(Command.of("FUNCTION", "LIST"), ""));
  }

  @Test
  void refusesDangerousCommandsWith403() {
    for (String name : new String[] {"flushall", "FLUSHDB", "CONFIG", "DEBUG", "SHUTDOWN",
        "MONITOR", "SAVE", "BGSAVE", "BGREWRITEAOF", "REPLICAOF", "SLAVEOF", "SYNC", "PSYNC",
        "CLUSTER", "MODULE", "ACL", "MIGRATE", "CLIENT", "FAILOVER", "SWAPDB", "RESTORE"}) {
      assertEquals(403, status(DEFAULT, name, "x"), name);
    }
    assertEquals(403, status(DEFAULT, "script", "kill"));
    assertEquals(403, status(DEFAULT, "FUNCTION", "FLUSH"));
    for (String sub : new String[] {"LOAD", "DELETE", "RESTORE", "flush"}) {
      assertEquals(403, status(DEFAULT, "function", sub, "x"), sub);
    }
    assertEquals(403, status(DEFAULT, "SCRIPT", "FLUSH"));
    assertEquals(Metrics.Refusal.BRIDGE_LIST, assertThrows(BridgeException.class,
        () -> DEFAULT.check(Command.of("FLUSHALL"), "")).refusal);
    BridgeException e = assertThrows(BridgeException.class,
        () -> DEFAULT.check(Command.of("CONFIG", "GET", "*"), ""));
    assertTrue(e.getMessage().contains("--allow-dangerous CONFIG"), e.getMessage());
  }

  @Test
  void dangerousCommandsCanBeEnabledOneByOneOrAll() {
    CommandPolicy some = new CommandPolicy(Set.of(), Set.of(), Set.of("FLUSHDB", "CONFIG|GET"),
        false);
    assertDoesNotThrow(() -> some.check(Command.of("flushdb"), ""));
    assertDoesNotThrow(() -> some.check(Command.of("config", "get", "maxmemory"), ""));
    assertEquals(403, status(some, "CONFIG", "SET", "maxmemory", "1"));
    assertEquals(403, status(some, "FLUSHALL"));
    CommandPolicy all = new CommandPolicy(Set.of(), Set.of(), Set.of(), true);
    assertDoesNotThrow(() -> all.check(Command.of("FLUSHALL"), ""));
    assertDoesNotThrow(() -> all.check(Command.of("CLIENT", "LIST"), ""));
  }

  @Test
  void connectionStateIsNeverServedEvenWhenEnabled() {
    CommandPolicy all = new CommandPolicy(Set.of(), Set.of(), Set.of(), true);
    for (String name : new String[] {"SELECT", "QUIT", "MULTI", "EXEC", "WATCH", "UNWATCH",
        "DISCARD", "AUTH", "HELLO", "RESET", "MONITOR", "SUBSCRIBE", "PSUBSCRIBE"}) {
      assertEquals(400, status(all, name, "x"), name);
      assertEquals(400, status(DEFAULT, name.equals("MONITOR") ? "READONLY" : name, "x"), name);
    }
    assertEquals(400, status(all, "CLIENT", "REPLY", "OFF"));
    assertEquals(400, status(all, "client", "setname", "x"));
    assertDoesNotThrow(() -> all.check(Command.of("CLIENT", "LIST"), ""));
  }

  @Test
  void allowListServesOnlyWhatItNames() {
    CommandPolicy allow = new CommandPolicy(Set.of("GET", "SET", "OBJECT|ENCODING"), Set.of(),
        Set.of(), false);
    assertDoesNotThrow(() -> allow.check(Command.of("get", "k"), ""));
    assertDoesNotThrow(() -> allow.check(Command.of("object", "encoding", "k"), ""));
    assertEquals(403, status(allow, "DEL", "k"));
    assertEquals(403, status(allow, "OBJECT", "FREQ", "k"));
  }

  @Test
  void allowListAloneDoesNotEnableDangerousCommands() {
    CommandPolicy allow = new CommandPolicy(Set.of("GET", "FLUSHALL"), Set.of(), Set.of(), false);
    assertEquals(403, status(allow, "FLUSHALL"));
  }

  @Test
  void denyListWins() {
    CommandPolicy deny = new CommandPolicy(Set.of("GET", "KEYS"), Set.of("KEYS"), Set.of(), true);
    assertEquals(403, status(deny, "keys", "*"));
    assertDoesNotThrow(() -> deny.check(Command.of("GET", "k"), ""));
  }

  @Test
  void messagesSayWhereInAPipeline() {
    BridgeException e = assertThrows(BridgeException.class,
        () -> DEFAULT.check(Command.of("FLUSHALL"), " (command 3)"));
    assertTrue(e.getMessage().contains("FLUSHALL (command 3)"), e.getMessage());
  }

  @Test
  void subscriptionEndpointsCheckOnlyTheLists() {
    assertDoesNotThrow(() -> DEFAULT.checkLists(Command.of("SUBSCRIBE", "ch")));
    CommandPolicy deny = new CommandPolicy(Set.of(), Set.of("PSUBSCRIBE"), Set.of(), false);
    assertThrows(BridgeException.class, () -> deny.checkLists(Command.of("PSUBSCRIBE", "*")));
  }

  @Test
  void aReadOnlyTokenRunsOnlyWhatRedisFlagsReadOnly() {
    CommandPolicy readOnly = DEFAULT.readOnly(c -> RedisPool.isReadOnlyCommand(c.args));
    for (String[] ok : new String[][] {{"GET", "k"}, {"mget", "a", "b"}, {"EVAL_RO", "s", "0"},
        {"EVALSHA_RO", "s", "0"}, {"FCALL_RO", "f", "0"}, {"SCAN", "0"}, {"TTL", "k"}}) {
      assertDoesNotThrow(() -> readOnly.check(Command.of(ok), ""), ok[0]);
    }
    for (String[] refused : new String[][] {{"SET", "k", "v"}, {"DEL", "k"}, {"INCR", "k"},
        {"PUBLISH", "c", "m"}, {"SCRIPT", "LOAD", "x"}}) {
      BridgeException e = assertThrows(BridgeException.class,
          () -> readOnly.check(Command.of(refused), " (command 2)"));
      assertEquals(403, e.status);
      assertEquals(Metrics.Refusal.READ_ONLY_TOKEN, e.refusal);
      assertTrue(e.getMessage().startsWith("NOPERM ") && e.getMessage().contains("read-only")
          && e.getMessage().contains("(command 2)"), e.getMessage());
    }
    BridgeException eval = assertThrows(BridgeException.class,
        () -> readOnly.check(Command.of("eval", "return 1", "0"), ""));
    assertTrue(eval.getMessage().contains("EVAL_RO"), eval.getMessage());
    assertEquals(Metrics.Refusal.BRIDGE_LIST, assertThrows(BridgeException.class,
        () -> readOnly.check(Command.of("FLUSHALL"), "")).refusal, "the lists still come first");
    assertTrue(readOnly.isReadOnly());
  }
}
