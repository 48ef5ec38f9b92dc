package io.github.resilientredis.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPool;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Error replies are answers, not connection failures: the caller gets Redis's message, and the
 * connection that carried it stays in the pool (same client id, nothing closed or reopened).
 */
class ErrorRepliesIT {

  private static GenericContainer<?> redis;
  private RedisPool pool;
  private RedisClient client;

  @BeforeAll
  static void startRedis() {
    redis = RedisContainers.redis();
    redis.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.stop();
  }

  @BeforeEach
  void openPool() {
    pool = RedisPool.builder().uri(RedisContainers.uri(redis)).maxTotal(1).minIdle(1).build();
    client = pool.client();
  }

  @AfterEach
  void closePool() {
    pool.close();
    try (Jedis probe = RedisProbe.connect(redis)) {
      probe.configSet("maxmemory", "0");
      probe.replicaofNoOne();
      probe.flushAll();
    }
  }

  @Test
  void wrongType() {
    client.lpush("errors:list", "x");
    long id = clientId();
    JedisDataException e = assertThrows(JedisDataException.class, () -> client.get("errors:list"));
    assertTrue(e.getMessage().startsWith("WRONGTYPE"), e.getMessage());
    assertConnectionKept(id);
  }

  @Test
  void noScript() {
    long id = clientId();
    JedisDataException e = assertThrows(JedisDataException.class,
        () -> client.evalsha("0123456789012345678901234567890123456789"));
    assertTrue(e.getMessage().startsWith("NOSCRIPT"), e.getMessage());
    assertConnectionKept(id);
  }

  @Test
  void outOfMemory() {
    try (Jedis probe = RedisProbe.connect(redis)) {
      probe.configSet("maxmemory-policy", "noeviction");
      probe.configSet("maxmemory", "1");
    }
    long id = clientId();
    JedisDataException e = assertThrows(JedisDataException.class, () -> client.set("oom", "x"));
    assertTrue(e.getMessage().startsWith("OOM"), e.getMessage());
    assertConnectionKept(id);
  }

  @Test
  void readOnlyReplica() {
    try (Jedis probe = RedisProbe.connect(redis)) {
      // A replica of a master that does not exist: it stays read-only and answers READONLY.
      probe.replicaof("127.0.0.1", 1);
    }
    long id = clientId();
    JedisDataException e = assertThrows(JedisDataException.class, () -> client.set("ro", "x"));
    assertTrue(e.getMessage().startsWith("READONLY"), e.getMessage());
    assertConnectionKept(id);
  }

  @Test
  void rawErrorRepliesAreReturnedNotThrown() {
    client.lpush("errors:raw", "x");
    Object reply = pool.call("GET".getBytes(), "errors:raw".getBytes());
    assertTrue(reply instanceof JedisDataException e && e.getMessage().startsWith("WRONGTYPE"),
        String.valueOf(reply));
    assertEquals(0, pool.stats().destroyed());
  }

  private long clientId() {
    return (Long) pool.call("CLIENT".getBytes(), "ID".getBytes());
  }

  private void assertConnectionKept(long idBefore) {
    assertEquals(idBefore, clientId(), "the same connection carries on");
    PoolStats stats = pool.stats();
    assertEquals(0, stats.destroyed(), stats::toString);
    assertEquals(0, stats.brokenConnections(), stats::toString);
    assertEquals(Duration.ZERO, stats.borrowWaitMax(), stats::toString);
  }
}
