package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.pool.PoolListener;
import io.github.resilientredis.pool.PoolListener.CloseReason;
import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPool;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

/**
 * Housekeeping driven by a clock the test moves: heartbeats, maxLifetime, idleTimeout, soft-evict
 * and leak reports happen exactly when due, with no sleeps and no background threads. The Redis is
 * real (its timeout is 0, so only the pool decides when connections go).
 */
class HousekeepingIT {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long T0 = 1_000_000 * SECOND;
  private static GenericContainer<?> redis;

  private final AtomicLong clock = new AtomicLong(T0);
  private final List<CloseReason> closes = new CopyOnWriteArrayList<>();
  private PoolCore core;

  @BeforeAll
  static void startRedis() {
    redis = RedisContainers.redis("--timeout", "0");
    redis.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.stop();
  }

  @AfterEach
  void closePool() {
    if (core != null) {
      core.close();
    }
  }

  private PoolCore pool(RedisPool.Builder builder) {
    RedisPool.Builder configured = builder.uri(RedisContainers.uri(redis))
        .heartbeatInterval(Duration.ofSeconds(10))
        .listener(new PoolListener() {
          @Override
          public void destroyed(CloseReason reason) {
            closes.add(reason);
          }
        });
    core = new PoolCore(configured.buildConfig(), clock::get, false);
    return core;
  }

  private long at(long nanosAfterStart) {
    clock.set(T0 + nanosAfterStart);
    return clock.get();
  }

  @Test
  void heartbeatRunsOnlyWhenDueAndReplacesConnectionsThatFailIt() {
    PoolCore pool = pool(RedisPool.builder().minIdle(2).maxTotal(4)
        .maxLifetime(Duration.ZERO).idleTimeout(Duration.ZERO));
    pool.housekeep(at(0)); // opens the second of the two minIdle connections
    assertEquals(2, pool.stats().idle());

    assertEquals(2, Faults.killNormalClients(redis));
    long pause = pool.housekeep(at(7 * SECOND));
    assertEquals(0, pool.stats().heartbeatFailures(), "jittered heartbeats are due at 8-10 s");
    assertTrue(pause <= 2 * SECOND, "the next round is at most a fifth of the interval away: " + pause);

    pool.housekeep(at(10 * SECOND + 1));
    PoolStats stats = pool.stats();
    assertEquals(2, stats.heartbeatFailures());
    assertEquals(2, stats.reconnects(), "both were replaced");
    assertEquals(2, stats.idle());
    assertEquals(List.of(CloseReason.HEARTBEAT_FAILED, CloseReason.HEARTBEAT_FAILED), closes);
    assertEquals("PONG", pool.commands().call(bytes("PING")));
  }

  @Test
  void healthyHeartbeatKeepsTheSameConnection() {
    PoolCore pool = pool(RedisPool.builder().minIdle(1).maxTotal(2));
    long id = clientId(pool);
    pool.housekeep(at(11 * SECOND));
    pool.housekeep(at(22 * SECOND));
    assertEquals(0, pool.stats().heartbeatFailures());
    assertEquals(id, clientId(pool));
    assertTrue(closes.isEmpty(), closes.toString());
  }

  @Test
  void maxLifetimeRetiresIdleConnectionsAndReplacesThem() {
    PoolCore pool = pool(RedisPool.builder().minIdle(1).maxTotal(2)
        .maxLifetime(Duration.ofSeconds(60)));
    long before = clientId(pool);
    pool.housekeep(at(44 * SECOND));
    assertEquals(before, clientId(pool), "jitter shortens a lifetime by 25% at most");

    pool.housekeep(at(61 * SECOND));
    assertEquals(List.of(CloseReason.MAX_LIFETIME), closes);
    assertEquals(1, pool.stats().reconnects());
    assertNotEquals(before, clientId(pool));
  }

  @Test
  void idleTimeoutClosesIdleConnectionsDownToMinIdle() {
    PoolCore pool = pool(RedisPool.builder().minIdle(1).maxTotal(4)
        .idleTimeout(Duration.ofSeconds(30)));
    PooledConnection[] lent = new PooledConnection[4];
    for (int i = 0; i < lent.length; i++) {
      lent[i] = pool.borrow(false);
    }
    for (PooledConnection connection : lent) {
      pool.release(connection, true);
    }
    assertEquals(4, pool.stats().idle());

    pool.housekeep(at(29 * SECOND));
    assertEquals(4, pool.stats().idle());
    pool.housekeep(at(31 * SECOND));
    assertEquals(1, pool.stats().idle());
    assertEquals(List.of(CloseReason.IDLE_TIMEOUT, CloseReason.IDLE_TIMEOUT,
        CloseReason.IDLE_TIMEOUT), closes);
  }

  @Test
  void softEvictClosesIdleConnectionsNowAndLentOnesWhenReturned() {
    PoolCore pool = pool(RedisPool.builder().minIdle(1).maxTotal(4));
    PooledConnection lent = pool.borrow(false);
    pool.housekeep(at(0)); // refills minIdle: one idle, one lent
    assertEquals(1, pool.stats().idle());

    pool.softEvictConnections();
    pool.housekeep(at(SECOND));
    assertEquals(List.of(CloseReason.EVICTED), closes, "the idle one goes at once");
    pool.release(lent, true);
    assertEquals(List.of(CloseReason.EVICTED, CloseReason.EVICTED), closes, "the lent one on return");
    assertEquals("PONG", pool.commands().call(bytes("PING")), "new connections replace them");
  }

  @Test
  void leakIsReportedOnceWhenHeldPastTheThreshold() {
    PoolCore pool = pool(RedisPool.builder().minIdle(0).maxTotal(2)
        .leakDetectionThreshold(Duration.ofSeconds(5)));
    PooledConnection held = pool.borrow(false);
    pool.housekeep(at(4 * SECOND));
    assertFalse(held.leakWasReported());
    pool.housekeep(at(6 * SECOND));
    assertTrue(held.leakWasReported());
    assertTrue(java.util.Arrays.stream(held.borrowedAt().getStackTrace())
            .anyMatch(frame -> frame.getMethodName().equals("leakIsReportedOnceWhenHeldPastTheThreshold")),
        "the report carries the borrower's stack");
    assertFalse(held.reportLeakOnce(), "reported once only");
    pool.release(held, true);
  }

  @Test
  void peekSeesTheServersCloseWithoutARoundTripAndLeavesLiveConnectionsIntact() {
    PoolCore pool = pool(RedisPool.builder().minIdle(0).maxTotal(2));
    ConnectionFactory factory = new ConnectionFactory(pool.config(), c -> { });
    PooledConnection live = factory.open(clock.get(), SECOND, 0);
    PooledConnection doomed = factory.open(clock.get(), SECOND, 0);
    try {
      assertTrue(live.peekAlive());
      assertTrue(doomed.peekAlive());
      doomed.ping();
      long doomedId = (Long) doomed.callRaw(RawCommand.arguments(bytes("CLIENT"), bytes("ID")));
      live.callRaw(RawCommand.arguments(bytes("CLIENT"), bytes("KILL"), bytes("ID"),
          bytes(Long.toString(doomedId))));
      Await.until(Duration.ofSeconds(5), "the peek to see the FIN", () -> !doomed.peekAlive());
      assertTrue(live.peekAlive());
      assertTrue(live.ping(), "a peek consumes nothing from a live connection");
    } finally {
      live.closeSocket();
      doomed.closeSocket();
    }
  }

  private static long clientId(PoolCore pool) {
    return (Long) pool.commands().call(bytes("CLIENT"), bytes("ID"));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
