package io.github.resilientredis.it.pool;

import static io.github.resilientredis.it.pool.PoolTesting.COMMANDS;
import static io.github.resilientredis.it.pool.PoolTesting.SERVER_ARGS;
import static io.github.resilientredis.it.pool.PoolTesting.THREADS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Burst;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * An application that starts before Redis: the pool is created anyway, commands fail fast with a
 * clear error while nothing listens, and the same pool works by itself once Redis comes up.
 */
class StartupOutageIT {

  private static final Logger log = LoggerFactory.getLogger(StartupOutageIT.class);
  private static final Duration BORROW_TIMEOUT = Duration.ofSeconds(2);
  /** "Fail fast": well under the borrow timeout, since nothing can be lent until Redis answers. */
  private static final Duration FAST = Duration.ofMillis(500);
  /** Redis answering to the pool working, and to the pool holding minIdle connections again. */
  private static final Duration RECOVERY = Duration.ofSeconds(2);
  private static final int MIN_IDLE = 2;

  private static GenericContainer<?> redis;

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.stop();
    }
  }

  @Test
  void poolFailsFastWhileRedisIsDownAndRecoversByItself() {
    int port = FreePorts.pick();
    try (RedisPool pool = RedisPool.builder().host("localhost").port(port)
        .minIdle(MIN_IDLE).borrowTimeout(BORROW_TIMEOUT).build()) {

      for (int attempt = 1; attempt <= 3; attempt++) {
        long start = System.nanoTime();
        RedisPoolException e = assertThrows(RedisPoolException.class,
            () -> pool.client().get("k"), "a command with nothing listening on " + port);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        log.info("attempt {} while Redis is down failed after {} ms: {} (cause: {})", attempt,
            took.toMillis(), e.getMessage(), String.valueOf(e.getCause()));

        assertEquals(RedisPoolException.Reason.UNREACHABLE, e.reason(), e::toString);
        assertTrue(e.getMessage().contains(String.valueOf(port)),
            "the message should name the server: " + e.getMessage());
        assertNotNull(e.getCause(), "the last connect failure should be the cause");
        assertTrue(took.compareTo(FAST) < 0, "attempt " + attempt + " took " + took.toMillis()
            + " ms, the borrow timeout is " + BORROW_TIMEOUT.toMillis() + " ms: not fast");
      }

      redis = RedisContainers.redisOnHostPort(port, SERVER_ARGS);
      redis.start();
      RedisProbe.awaitAnswers(redis.getHost(), port, Duration.ofSeconds(10));
      long answering = System.nanoTime();

      String pong = Await.result(RECOVERY, "the same pool working again", pool.client()::ping);
      long recovered = System.nanoTime();
      Await.until(RECOVERY, "the pool back to minIdle=" + MIN_IDLE + " connections",
          () -> pool.stats().total() >= MIN_IDLE);
      log.info("Redis answering -> first command ok after {} ms, minIdle after {} ms; {}",
          Duration.ofNanos(recovered - answering).toMillis(),
          Duration.ofNanos(System.nanoTime() - answering).toMillis(), pool.stats());
      assertEquals("PONG", pong);

      Burst.Result result = Burst.run(THREADS, COMMANDS, i -> pool.client().ping());
      assertEquals(0, result.failed(), result.summary());
    }
  }
}
