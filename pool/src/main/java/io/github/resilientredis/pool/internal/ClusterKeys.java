package io.github.resilientredis.pool.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Finds the hash slot of a raw command ({@code call(byte[]...)}, the HTTP bridge), which carries
 * no key markers as Jedis's own command objects do. The first key decides: Redis answers
 * {@code -CROSSSLOT} itself when the other keys live elsewhere, and a wrong guess costs one MOVED.
 *
 * <p>The first key is the first argument, except for the commands below; commands without keys go
 * to any primary ({@link #NO_KEY}).
 */
public final class ClusterKeys {

  /** The slot of a command that names no key. */
  public static final int NO_KEY = -1;

  private static final Set<String> KEYLESS = Set.of("PING", "ECHO", "INFO", "TIME", "DBSIZE",
      "RANDOMKEY", "SCAN", "KEYS", "FLUSHDB", "FLUSHALL", "CLUSTER", "COMMAND", "CONFIG", "CLIENT",
      "SCRIPT", "FUNCTION", "PUBLISH", "PUBSUB", "MULTI", "EXEC", "DISCARD", "UNWATCH", "HELLO",
      "AUTH", "SELECT", "QUIT", "RESET", "LASTSAVE", "SAVE", "BGSAVE", "BGREWRITEAOF", "SLOWLOG",
      "LATENCY", "MODULE", "ACL", "WAIT", "WAITAOF", "READONLY", "READWRITE", "ASKING",
      "SWAPDB", "ROLE", "LOLWUT", "DEBUG", "MONITOR", "SHUTDOWN", "REPLICAOF", "SLAVEOF", "FAILOVER");
  /** Commands whose keys follow a count: the key count is at index 2, the keys from index 3. */
  private static final Set<String> NUMKEYS_AT_2 = Set.of("EVAL", "EVALSHA", "EVAL_RO",
      "EVALSHA_RO", "FCALL", "FCALL_RO");
  /** Commands whose first key is the second argument (after an operation or a destination flag). */
  private static final Set<String> KEY_AT_2 = Set.of("BITOP", "OBJECT", "XINFO", "XGROUP", "MEMORY");

  private ClusterKeys() {}

  /** The slot of the command's first key, or {@link #NO_KEY}. */
  public static int slot(byte[]... commandAndArguments) {
    int index = firstKeyIndex(commandAndArguments);
    return index < 0 ? NO_KEY : JedisClusterCRC16.getSlot(commandAndArguments[index]);
  }

  /** A reply meaning the command ran nowhere: see {@code RedisCluster.isRedirectReply}. */
  public static boolean isRedirectReply(Object reply) {
    return ClusterErrors.isRedirect(reply);
  }

  /** The slot of one key (hash tags respected). */
  public static int slotOfKey(byte[] key) {
    return JedisClusterCRC16.getSlot(key);
  }

  /** Index of the first key in the command, or -1 when it names none. */
  static int firstKeyIndex(byte[][] command) {
    if (command.length < 2) {
      return -1;
    }
    String name = new String(command[0], StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
    if (KEYLESS.contains(name)) {
      return -1;
    }
    if (NUMKEYS_AT_2.contains(name)) {
      return command.length > 3 && !isZero(command[2]) ? 3 : -1;
    }
    if (KEY_AT_2.contains(name)) {
      return command.length > 2 ? 2 : -1;
    }
    if (name.equals("XREAD") || name.equals("XREADGROUP")) {
      for (int i = 1; i < command.length - 1; i++) {
        if (new String(command[i], StandardCharsets.US_ASCII).equalsIgnoreCase("STREAMS")) {
          return i + 1;
        }
      }
      return -1;
    }
    return 1;
  }

  private static boolean isZero(byte[] count) {
    return count.length == 1 && count[0] == '0';
  }
}
