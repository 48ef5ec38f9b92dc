package io.github.resilientredis.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * After a restart Redis answers -LOADING until it has read its dataset. Nothing ran, so the pool
 * waits it out with back-off: the caller gets the value, not the error, and the connections stay.
 */
class LoadingIT {

  /** Jedis has no constant for DEBUG: name it by its bytes. */
  private static final ProtocolCommand DEBUG = () -> "DEBUG".getBytes();

  /** Enough keys that loading them takes a second or more. */
  private static final int KEYS = 3_000_000;

  @Test
  void commandsWaitOutLoading() {
    int port = FreePorts.pick();
    GenericContainer<?> redis = RedisContainers.redisOnHostPort(port,
        "--dir", "/data", "--enable-debug-command", "yes");
    redis.start();
    try (Jedis probe = new Jedis("localhost", port, 60_000)) { // populating takes seconds
      probe.sendCommand(DEBUG, "POPULATE", Integer.toString(KEYS), "key", "50");
      probe.save();
    }
    try (RedisPool pool = RedisPool.builder().uri("redis://localhost:" + port).maxTotal(2)
        .borrowTimeout(Duration.ofSeconds(20)).build()) {
      assertEquals(KEYS, pool.client().dbSize());

      Faults.stop(redis);
      Faults.start(redis);
      Await.until(Duration.ofSeconds(10), "Redis to be loading its dataset",
          () -> isLoading(port));
      String value = pool.client().get("key:12345");
      assertTrue(value.startsWith("value:12345"), value);
      assertEquals(KEYS, pool.client().dbSize());
    } finally {
      redis.stop();
    }
  }

  private static boolean isLoading(int port) {
    try (Jedis probe = RedisProbe.connect("localhost", port)) {
      return probe.info("persistence").contains("loading:1");
    }
  }
}
