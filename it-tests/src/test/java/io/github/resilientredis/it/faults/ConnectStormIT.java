package io.github.resilientredis.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;

/**
 * When every connection attempt is refused (maxclients reached, a wrong password), callers get a
 * clear error at once and the pool's back-off keeps the attempts the server sees per second low,
 * however hard the application keeps asking.
 */
class ConnectStormIT {

  /** The application hammers for this long; the server counts the connections it received. */
  private static final Duration HAMMER = Duration.ofSeconds(3);
  /** The back-off caps at 500 ms; borrowers may probe once per pause: far below this. */
  private static final double MAX_ATTEMPTS_PER_SECOND = 25;
  private static final Duration BORROW_TIMEOUT = Duration.ofSeconds(10);
  /** A failure slower than this waited for something; a fast one takes about a millisecond. */
  private static final Duration SLOW = Duration.ofSeconds(3);

  @Test
  void maxClientsReached() throws Exception {
    GenericContainer<?> redis = RedisContainers.redis("--maxclients", "2");
    redis.start();
    try (Jedis hog = RedisProbe.connect(redis)) {
      hog.ping();
      long before = connectionsReceived(redis, null);
      Storm storm;
      // The counting probe's close reaches the server a moment later: until then it is full.
      try (Jedis lastSlot = Await.result(Duration.ofSeconds(5), "the last free client slot",
          () -> connected(redis))) {
        storm = hammer(RedisContainers.uri(redis)); // the server is full now
      }
      double perSecond = (connectionsReceived(redis, null) - before - 2) / (double) HAMMER.toSeconds();
      assertTrue(storm.errors.stream().allMatch(e -> e instanceof RedisPoolException p
              && p.reason() == RedisPoolException.Reason.UNREACHABLE),
          () -> "every failure is the pool's UNREACHABLE: " + storm.errors.peek());
      assertTrue(storm.firstError().contains("max number of clients reached"), storm.firstError());
      assertEquals(0, storm.succeeded.sum());
      assertTrue(perSecond <= MAX_ATTEMPTS_PER_SECOND, "connection attempts per second: " + perSecond);
    } finally {
      redis.stop();
    }
  }

  @Test
  void wrongPassword() throws Exception {
    GenericContainer<?> redis = RedisContainers.redis("--requirepass", "right-password");
    redis.start();
    try {
      long before = connectionsReceived(redis, "right-password");
      Storm storm = hammer(RedisContainers.uri(redis).replace("redis://", "redis://:wrong@"));
      double perSecond = (connectionsReceived(redis, "right-password") - before - 1)
          / (double) HAMMER.toSeconds();
      assertTrue(storm.firstError().contains("WRONGPASS")
          || storm.firstError().contains("invalid password"), storm.firstError());
      assertEquals(0, storm.succeeded.sum());
      assertTrue(perSecond <= MAX_ATTEMPTS_PER_SECOND, "connection attempts per second: " + perSecond);
    } finally {
      redis.stop();
    }
  }

  private record Storm(ConcurrentLinkedQueue<Exception> errors, LongAdder succeeded) {
    String firstError() {
      Exception e = errors.peek();
      if (e == null) {
        return "(no error)";
      }
      return e.getMessage() + (e.getCause() == null ? "" : " <- " + e.getCause().getMessage());
    }
  }

  /** 8 threads borrow in a loop for {@link #HAMMER}, each failure checked to come fast. */
  private static Storm hammer(String uri) throws Exception {
    ConcurrentLinkedQueue<Exception> errors = new ConcurrentLinkedQueue<>();
    LongAdder succeeded = new LongAdder();
    LongAdder slowFailures = new LongAdder();
    try (RedisPool pool = RedisPool.builder().uri(uri).minIdle(1)
        .borrowTimeout(BORROW_TIMEOUT).build()) {
      ExecutorService threads = Executors.newFixedThreadPool(8);
      long end = System.nanoTime() + HAMMER.toNanos();
      for (int t = 0; t < 8; t++) {
        threads.submit(() -> {
          while (System.nanoTime() < end) {
            pause(); // an application asking 1000 times a second per thread, not a CPU spin
            long start = System.nanoTime();
            try {
              pool.client().get("storm");
              succeeded.increment();
            } catch (Exception e) {
              errors.add(e); // at most a few thousand: each thread pauses 1 ms per call
              if (System.nanoTime() - start > SLOW.toNanos()) {
                slowFailures.increment();
              }
            }
          }
        });
      }
      threads.shutdown();
      assertTrue(threads.awaitTermination(HAMMER.toSeconds() + 10, TimeUnit.SECONDS));
    }
    assertEquals(0, slowFailures.sum(), "a refused borrow fails at once, not after the "
        + BORROW_TIMEOUT + " borrow timeout (" + SLOW + " allowed for a busy 2-core machine)");
    assertTrue(!errors.isEmpty(), "the storm saw errors");
    return new Storm(errors, succeeded);
  }

  private static Jedis connected(GenericContainer<?> redis) {
    Jedis jedis = RedisProbe.connect(redis);
    try {
      jedis.ping();
      return jedis;
    } catch (RuntimeException e) {
      jedis.close();
      throw e;
    }
  }

  private static void pause() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Connections the server accepted plus those it turned away for maxclients. With maxclients
   * reached a moment ago the probe may itself be turned away (and counted) once or twice.
   */
  private static long connectionsReceived(GenericContainer<?> redis, String password) {
    return Await.result(Duration.ofSeconds(5), "a probe connection",
        () -> countConnections(redis, password));
  }

  private static long countConnections(GenericContainer<?> redis, String password) {
    try (Jedis probe = RedisProbe.connect(redis)) {
      if (password != null) {
        probe.auth(password);
      }
      long count = 0;
      for (String line : probe.info("stats").split("\r\n")) {
        if (line.startsWith("total_connections_received:") || line.startsWith("rejected_connections:")) {
          count += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      return count;
    }
  }
}
