package io.github.resilientredis.it.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.resilientredis.it.support.Burst;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/** What the pool ITs share: the scenario's numbers, warming a pool, and the idle period. */
final class PoolTesting {

  /** The scenario of issue 2: 8 connections, 8 threads, a burst of 64 commands. */
  static final int CONNECTIONS = 8;
  static final int THREADS = 8;
  static final int COMMANDS = 64;
  /** The server's idle timeout in every pool IT ({@code --timeout 1}). */
  static final String[] SERVER_ARGS = {"--timeout", "1"};
  /**
   * Longer than the server's timeout with margin: Redis compares whole seconds (it closes a client
   * idle for 1 to 2 s when timeout is 1) in a cron that runs 10 times a second.
   */
  static final Duration IDLE = Duration.ofMillis(2_500);

  private PoolTesting() {}

  /**
   * Makes the pool open {@code connections} connections: that many borrowers hold one each at the
   * same moment (a barrier), so none can reuse another's.
   */
  static void warm(RedisPool pool, int connections) {
    CyclicBarrier allBorrowed = new CyclicBarrier(connections);
    Burst.Result warmup = Burst.run(connections, connections, i -> pool.withConnection(conn -> {
      try {
        allBorrowed.await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("warm-up borrowers did not all get a connection", e);
      }
      return conn.call(bytes("PING"));
    }));
    assertEquals(0, warmup.failed(), () -> "warm-up failed: " + warmup.summary());
    assertEquals(connections, pool.stats().total(),
        () -> "the pool should hold the warmed connections: " + pool.stats());
  }

  /**
   * Leaves the connections unused. This sleep is the fault under test (nothing is awaited): the
   * server's idle timeout has to pass with no command on them.
   */
  static void idle(Duration duration) throws InterruptedException {
    Thread.sleep(duration.toMillis());
  }

  /** Key {@code i} of the keys set by {@link #setKeys}; its value is {@link #value}. */
  static String key(int i) {
    return "it:key:" + (i % COMMANDS);
  }

  static String value(int i) {
    return "value-" + (i % COMMANDS);
  }

  /** Sets the {@link #COMMANDS} keys on a probe connection of its own. */
  static void setKeys(String host, int port) {
    try (Jedis jedis = RedisProbe.connect(host, port)) {
      for (int i = 0; i < COMMANDS; i++) {
        jedis.set(key(i), value(i));
      }
    }
  }

  /** Reads key {@code i} through the pool's client and checks it got that key's value. */
  static Burst.Operation readKey(RedisPool pool) {
    RedisClient client = pool.client();
    return i -> assertEquals(value(i), client.get(key(i)), "reply to GET " + key(i));
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
