package io.github.resilientredis.it.support;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;

/**
 * Looks at a Redis server from the side, on a plain Jedis connection of its own that the code
 * under test never sees: does it answer, how many clients does it have, what is a key's value.
 */
public final class RedisProbe {

  private static final int TIMEOUT_MILLIS = 2_000;

  private RedisProbe() {}

  /** A fresh plain connection; the caller closes it. */
  public static Jedis connect(String host, int port) {
    return new Jedis(host, port, TIMEOUT_MILLIS);
  }

  public static Jedis connect(GenericContainer<?> redis) {
    return connect(redis.getHost(), RedisContainers.port(redis));
  }

  /** True when a new connection gets PONG. */
  public static boolean answers(String host, int port) {
    try (Jedis jedis = connect(host, port)) {
      return "PONG".equals(jedis.ping());
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Waits until the server answers PING on a new connection, for example after a restart. */
  public static void awaitAnswers(String host, int port, Duration timeout) {
    Await.until(timeout, "Redis at " + host + ":" + port + " answering PING",
        () -> answers(host, port));
  }

  /** Normal (not replica, not pub/sub) clients connected, this probe's own connection excluded. */
  public static int normalClients(GenericContainer<?> redis) {
    try (Jedis jedis = connect(redis)) {
      String list = jedis.clientList(ClientType.NORMAL);
      return (int) list.lines().filter(line -> !line.isBlank()).count() - 1;
    }
  }

  /**
   * Ids of the normal clients connected, this probe's own connection excluded: a test records its
   * client's connections, then awaits the server closing exactly those.
   */
  public static Set<Long> normalClientIds(GenericContainer<?> redis) {
    try (Jedis jedis = connect(redis)) {
      long self = jedis.clientId();
      return jedis.clientList(ClientType.NORMAL).lines()
          .map(line -> Long.parseLong(field(line, "id")))
          .filter(id -> id != self)
          .collect(Collectors.toSet());
    }
  }

  private static String field(String clientListLine, String name) {
    for (String pair : clientListLine.split(" ")) {
      if (pair.startsWith(name + "=")) {
        return pair.substring(name.length() + 1);
      }
    }
    throw new IllegalStateException("no " + name + " in CLIENT LIST line: " + clientListLine);
  }

  /** The value of a key, read on a connection of the probe. */
  public static String get(GenericContainer<?> redis, String key) {
    try (Jedis jedis = connect(redis)) {
      return jedis.get(key);
    }
  }

  /** FLUSHALL, so that a test starts from an empty server whatever ran before it. */
  public static void flushAll(GenericContainer<?> redis) {
    try (Jedis jedis = connect(redis)) {
      jedis.flushAll();
    }
  }
}
