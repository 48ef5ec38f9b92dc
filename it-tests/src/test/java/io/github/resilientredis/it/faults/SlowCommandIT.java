package io.github.resilientredis.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A command slower than the read timeout fails after the read timeout, is not sent again (the
 * server may still be running it), and costs the pool one connection, replaced.
 */
class SlowCommandIT {

  /** Jedis has no constant for DEBUG: name it by its bytes. */
  private static final ProtocolCommand DEBUG = () -> "DEBUG".getBytes();

  private static GenericContainer<?> redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisContainers.redis("--enable-debug-command", "yes");
    redis.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.stop();
  }

  @Test
  void slowCommandTimesOutOnceAndThePoolCarriesOn() {
    try (RedisPool pool = RedisPool.builder().uri(RedisContainers.uri(redis))
        .readTimeout(Duration.ofMillis(300)).maxTotal(2).build()) {
      try (Jedis probe = RedisProbe.connect(redis)) {
        probe.configResetStat();
      }
      long start = System.nanoTime();
      JedisConnectionException e = assertThrows(JedisConnectionException.class,
          () -> pool.client().sendCommand(DEBUG, "SLEEP", "1"));
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(hasCause(e, SocketTimeoutException.class), e.toString());
      assertTrue(tookMillis >= 290 && tookMillis < 900, "failed after the read timeout: " + tookMillis);

      // Redis runs one command at a time: it answers nobody until the sleep is over.
      Await.until(Duration.ofSeconds(5), "the pool to serve again once Redis woke up",
          () -> "PONG".equals(pool.client().ping()));
      assertEquals(1, pool.stats().brokenConnections());
      try (Jedis probe = RedisProbe.connect(redis)) {
        String stats = probe.info("commandstats");
        assertTrue(stats.contains("cmdstat_debug:calls=1,"), "DEBUG SLEEP ran once:\n" + stats);
      }
    }
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
