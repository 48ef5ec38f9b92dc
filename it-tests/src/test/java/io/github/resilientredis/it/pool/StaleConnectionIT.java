package io.github.resilientredis.it.pool;

import static io.github.resilientredis.it.pool.PoolTesting.COMMANDS;
import static io.github.resilientredis.it.pool.PoolTesting.CONNECTIONS;
import static io.github.resilientredis.it.pool.PoolTesting.IDLE;
import static io.github.resilientredis.it.pool.PoolTesting.SERVER_ARGS;
import static io.github.resilientredis.it.pool.PoolTesting.THREADS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Burst;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;

/**
 * The failure this project exists for: Redis closes connections idle longer than its
 * {@code timeout}, and a pool that does nothing meanwhile lends them dead. Two controls show the
 * failure is real on this server; our pool, in the same scenario, must not fail once.
 */
class StaleConnectionIT {

  private static final Logger log = LoggerFactory.getLogger(StaleConnectionIT.class);

  private static GenericContainer<?> redis;
  private static String host;
  private static int port;

  @BeforeAll
  static void startRedis() {
    redis = RedisContainers.redis(SERVER_ARGS);
    redis.start();
    host = redis.getHost();
    port = RedisContainers.port(redis);
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.stop();
    }
  }

  @BeforeEach
  void setKeys() {
    PoolTesting.setKeys(host, port);
  }

  /** Control: a plain queue of connections and no validation, as many channel-based pools do. */
  @Test
  void plainQueueOfConnectionsFailsAfterIdle() throws Exception {
    BlockingQueue<Jedis> queue = new ArrayBlockingQueue<>(CONNECTIONS);
    List<Jedis> all = new ArrayList<>();
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        Jedis jedis = new Jedis(host, port, 2_000);
        jedis.ping();
        all.add(jedis);
        queue.add(jedis);
      }
      PoolTesting.idle(IDLE);

      Burst.Result result = Burst.run(THREADS, COMMANDS, i -> {
        Jedis jedis = queue.poll(5, TimeUnit.SECONDS);
        try {
          assertEquals(PoolTesting.value(i), jedis.get(PoolTesting.key(i)));
        } finally {
          queue.add(jedis);
        }
      });

      log.info("control, plain queue after {} ms idle: {}", IDLE.toMillis(), result.summary());
      assertTrue(result.failed() > 0,
          "the scenario must break an unvalidated pool, or it proves nothing: " + result.summary());
    } finally {
      all.forEach(Jedis::close);
    }
  }

  /**
   * Control: JedisPool with its default config (no test-on-borrow; its evictor first runs after
   * 30 s). Every idle connection the server closed is lent once, fails, and is then destroyed.
   */
  @Test
  void jedisPoolWithDefaultConfigFailsAfterIdle() throws Exception {
    try (JedisPool jedisPool = new JedisPool(new JedisPoolConfig(), host, port, 2_000)) {
      CyclicBarrier allBorrowed = new CyclicBarrier(CONNECTIONS);
      Burst.Result warmup = Burst.run(CONNECTIONS, CONNECTIONS, i -> {
        try (Jedis jedis = jedisPool.getResource()) {
          allBorrowed.await(10, TimeUnit.SECONDS);
          jedis.ping();
        }
      });
      assertEquals(0, warmup.failed(), warmup::summary);
      assertEquals(CONNECTIONS, jedisPool.getNumIdle(), "JedisPool should hold the warmed ones");
      PoolTesting.idle(IDLE);

      Burst.Result result = Burst.run(THREADS, COMMANDS, i -> {
        try (Jedis jedis = jedisPool.getResource()) {
          assertEquals(PoolTesting.value(i), jedis.get(PoolTesting.key(i)));
        }
      });

      log.info("control, JedisPool default config after {} ms idle: {}", IDLE.toMillis(),
          result.summary());
      assertTrue(result.failed() > 0,
          "JedisPool without validation should lend dead connections: " + result.summary());
    }
  }

  /** Ours: heartbeat and validate-on-borrow, same scenario, three idle periods in a row. */
  @Test
  void poolLendsNoDeadConnectionAfterIdle() throws Exception {
    try (RedisPool pool = RedisPool.builder().uri(RedisContainers.uri(redis))
        .maxTotal(CONNECTIONS).build()) {
      PoolTesting.warm(pool, CONNECTIONS);
      for (int cycle = 1; cycle <= 3; cycle++) {
        PoolTesting.idle(IDLE);
        Burst.Result result = Burst.run(THREADS, COMMANDS, PoolTesting.readKey(pool));
        log.info("our pool, cycle {} after {} ms idle: {}; {}", cycle, IDLE.toMillis(),
            result.summary(), pool.stats());
        assertEquals(0, result.failed(), "cycle " + cycle + ": " + result.summary());
      }
    }
  }

  /**
   * Ours with the heartbeat off (no CONFIG GET, a period far longer than the test) and no retry:
   * the server really closes every connection, and the check on borrow alone must find each one
   * dead before it is lent. A failure here is a dead socket handed to the caller.
   */
  @Test
  void validationOnBorrowAloneCatchesConnectionsTheServerClosed() {
    try (RedisPool pool = RedisPool.builder().uri(RedisContainers.uri(redis))
        .maxTotal(CONNECTIONS)
        .heartbeatFromServerTimeout(false)
        .heartbeatInterval(Duration.ofMinutes(10))
        .retrySafeCommands(false)
        .build()) {
      PoolTesting.warm(pool, CONNECTIONS);
      Set<Long> warmed = RedisProbe.normalClientIds(redis);
      assertEquals(CONNECTIONS, warmed.size(), "the server should see the 8 warmed connections");
      // Await the server's side of the fault instead of sleeping: all 8 closed for idling.
      Await.until(Duration.ofSeconds(10), "Redis closing the pool's idle connections",
          () -> Collections.disjoint(warmed, RedisProbe.normalClientIds(redis)));

      Burst.Result result = Burst.run(THREADS, COMMANDS, PoolTesting.readKey(pool));
      log.info("our pool, validation only, after the server closed all: {}; {}", result.summary(),
          pool.stats());
      assertEquals(0, result.failed(), result.summary());
    }
  }
}
