package io.github.resilientredis.it.support;

import java.util.ArrayList;
import java.util.List;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/** Redis ACL users made by a test, on the container's default (unrestricted) user. */
public final class AclUsers {

  /**
   * The rules of README's "Security" section for a bridge user: every command except the
   * dangerous ones (KEYS back in, which @upstash/redis uses), and no script or function
   * management that could wipe code. Keep the two in step.
   */
  public static final String BRIDGE_USER_RULES = "~* &* +@all -@dangerous +keys -script|flush"
      + " -function|flush -function|delete -function|restore -function|load";

  private AclUsers() {}

  /** {@code ACL SETUSER name reset on >password <rules>}. */
  public static void create(GenericContainer<?> redis, String name, String password, String rules) {
    List<String> args = new ArrayList<>(List.of("SETUSER", name, "reset", "on", ">" + password));
    args.addAll(List.of(rules.split(" ")));
    try (Jedis jedis = RedisProbe.connect(redis)) {
      Object reply = jedis.sendCommand(Protocol.Command.ACL,
          args.toArray(new String[0]));
      if (!"OK".equals(reply instanceof byte[] b ? new String(b) : String.valueOf(reply))) {
        throw new IllegalStateException("ACL SETUSER " + name + " answered " + reply);
      }
    }
  }
}
