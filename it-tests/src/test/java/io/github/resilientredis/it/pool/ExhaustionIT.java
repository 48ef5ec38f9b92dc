package io.github.resilientredis.it.pool;

import static io.github.resilientredis.it.pool.PoolTesting.SERVER_ARGS;
import static io.github.resilientredis.it.pool.PoolTesting.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;

/** Every connection lent: borrowers wait in order, time out with the pool's state, or see close. */
class ExhaustionIT {

  private static final Logger log = LoggerFactory.getLogger(ExhaustionIT.class);
  private static final Duration SHORT_BORROW = Duration.ofMillis(200);
  private static final Duration LONG_BORROW = Duration.ofSeconds(10);
  private static final Duration AWAIT = Duration.ofSeconds(5);

  private static GenericContainer<?> redis;

  private ExecutorService threads;
  /** Released at the end of each test so that no holder thread outlives it. */
  private CountDownLatch release;

  @BeforeAll
  static void startRedis() {
    redis = RedisContainers.redis(SERVER_ARGS);
    redis.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.stop();
    }
  }

  @BeforeEach
  void setUp() {
    threads = Executors.newCachedThreadPool();
    release = new CountDownLatch(1);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    release.countDown();
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS), "test threads did not stop");
  }

  @Test
  void borrowTimesOutWithThePoolStateWhenEveryConnectionIsLent() {
    try (RedisPool pool = pool(2, SHORT_BORROW)) {
      holdConnections(pool, 2);

      long start = System.nanoTime();
      RedisPoolException e = assertThrows(RedisPoolException.class, () -> pool.client().get("k"));
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      log.info("borrow timed out after {} ms: {}", waited.toMillis(), e.getMessage());

      assertEquals(RedisPoolException.Reason.TIMEOUT, e.reason(), e::toString);
      assertTrue(waited.compareTo(SHORT_BORROW.minusMillis(20)) >= 0,
          "gave up before the borrow timeout: " + waited);
      assertTrue(waited.compareTo(Duration.ofSeconds(2)) < 0,
          "waited far longer than the borrow timeout: " + waited);
      String message = e.getMessage().toLowerCase(Locale.ROOT);
      for (String word : List.of("total", "idle", "active", "waiting")) {
        assertTrue(message.contains(word), "the message should give '" + word + "': " + message);
      }
      PoolStats stats = pool.stats();
      assertEquals(2, stats.total(), stats::toString);
      assertEquals(2, stats.active(), stats::toString);

      // Once a connection comes back, borrowing works again.
      release.countDown();
      assertEquals("PONG", Await.result(AWAIT, "a borrow after release", pool.client()::ping));
    }
  }

  @Test
  void waitersAreServedInArrivalOrder() throws Exception {
    try (RedisPool pool = pool(1, LONG_BORROW)) {
      holdConnections(pool, 1);
      List<String> served = new CopyOnWriteArrayList<>();
      List<Future<?>> waiters = new ArrayList<>();
      for (String name : List.of("first", "second", "third")) {
        int waitingBefore = pool.stats().waiting();
        waiters.add(threads.submit(() -> pool.withConnection(conn -> {
          served.add(name);
          return conn.call(bytes("PING"));
        })));
        // Queue the next one only once this one is surely waiting: arrival order is then known.
        Await.until(AWAIT, name + " waiting", () -> pool.stats().waiting() == waitingBefore + 1);
      }

      release.countDown();
      for (Future<?> waiter : waiters) {
        waiter.get(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
      assertEquals(List.of("first", "second", "third"), served);
    }
  }

  @Test
  void closeFailsWaitingBorrowersAtOnce() throws Exception {
    RedisPool pool = pool(1, LONG_BORROW);
    try {
      holdConnections(pool, 1);
      Future<Object> waiter =
          threads.submit(() -> pool.withConnection(conn -> conn.call(bytes("PING"))));
      Await.until(AWAIT, "a borrower waiting", () -> pool.stats().waiting() == 1);

      long start = System.nanoTime();
      pool.close();
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> waiter.get(AWAIT.toMillis(), TimeUnit.MILLISECONDS));
      Duration failedAfter = Duration.ofNanos(System.nanoTime() - start);
      log.info("waiter failed {} ms after close: {}", failedAfter.toMillis(),
          String.valueOf(e.getCause()));

      RedisPoolException cause = assertThrowsCause(e);
      assertEquals(RedisPoolException.Reason.CLOSED, cause.reason(), cause::toString);
      assertTrue(failedAfter.compareTo(Duration.ofSeconds(1)) < 0,
          "the waiter should fail at once, not after its borrow timeout: " + failedAfter);
    } finally {
      pool.close();
    }
  }

  private static RedisPoolException assertThrowsCause(Exception e) {
    assertTrue(e.getCause() instanceof RedisPoolException,
        () -> "expected a RedisPoolException, got " + e.getCause());
    return (RedisPoolException) e.getCause();
  }

  private static RedisPool pool(int maxTotal, Duration borrowTimeout) {
    return RedisPool.builder().uri(RedisContainers.uri(redis))
        .maxTotal(maxTotal).minIdle(0).borrowTimeout(borrowTimeout).build();
  }

  /**
   * Threads that each borrow a connection and keep it until {@link #release}. Returns once all of
   * them hold one.
   */
  private void holdConnections(RedisPool pool, int count) {
    CountDownLatch holding = new CountDownLatch(count);
    for (int i = 0; i < count; i++) {
      threads.execute(() -> pool.withConnection(conn -> {
        conn.call(bytes("PING"));
        holding.countDown();
        try {
          return release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }));
    }
    Await.until(AWAIT, count + " connections held", () -> holding.getCount() == 0);
  }
}
