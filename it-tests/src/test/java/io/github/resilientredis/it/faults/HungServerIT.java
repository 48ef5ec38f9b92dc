package io.github.resilientredis.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Burst;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import redis.clients.jedis.RedisClient;

/**
 * A server that stops answering without closing anything: a paused container (hung process) and a
 * container cut from its network (packets silently dropped, no FIN ever). Commands fail within the
 * read timeout, no caller waits longer than borrow timeout plus read timeout, and the pool is
 * healthy again by itself once the server is back.
 */
class HungServerIT {

  private static final Duration READ_TIMEOUT = Duration.ofMillis(500);
  private static final Duration BORROW_TIMEOUT = Duration.ofMillis(500);
  /** What no caller may wait longer than: borrow + read timeout, plus scheduling slack. */
  private static final long WAIT_BOUND_MILLIS =
      BORROW_TIMEOUT.toMillis() + READ_TIMEOUT.toMillis() + 400;

  @Test
  void pausedServer() {
    GenericContainer<?> redis = RedisContainers.redis("--timeout", "0");
    redis.start();
    try (RedisPool pool = pool(RedisContainers.uri(redis))) {
      assertHealthy(pool);
      Faults.pause(redis);
      try {
        assertCallersFailWithinBound(pool);
      } finally {
        Faults.unpause(redis);
      }
      assertRecovers(pool);
    } finally {
      redis.stop();
    }
  }

  /**
   * The pool talks to the container's own address on a network the test made, not to a published
   * port: Docker drops a published port's mapping when the container leaves the network and does
   * not restore it. Reconnected with the same address, the server is reachable again. Container
   * addresses are reachable from the host on Linux Docker (CI, Linux laptops), not on Docker
   * Desktop, where this test is skipped (README, Testing).
   */
  @Test
  void serverCutFromItsNetwork() {
    try (Network network = Faults.networkWithFixedSubnet()) {
      GenericContainer<?> redis = RedisContainers.redis("--timeout", "0").withNetwork(network);
      redis.start();
      try {
        String address = Faults.addressOn(redis, network);
        Assumptions.assumeTrue(RedisProbe.answers(address, RedisContainers.REDIS_PORT),
            "container addresses are not reachable from this host (Docker Desktop?)");
        try (RedisPool pool = pool("redis://" + address + ":" + RedisContainers.REDIS_PORT)) {
          assertHealthy(pool);
          Faults.disconnect(redis, network);
          try {
            assertCallersFailWithinBound(pool);
          } finally {
            Faults.reconnect(redis, network, address);
          }
          assertRecovers(pool);
        }
      } finally {
        redis.stop();
      }
    }
  }

  private static RedisPool pool(String uri) {
    return RedisPool.builder().uri(uri).maxTotal(4).minIdle(4)
        .readTimeout(READ_TIMEOUT).borrowTimeout(BORROW_TIMEOUT).connectTimeout(READ_TIMEOUT)
        // A heartbeat finds the hang too; a short one makes the test exercise it.
        .heartbeatFromServerTimeout(false).heartbeatInterval(Duration.ofMillis(300))
        .build();
  }

  private static void assertHealthy(RedisPool pool) {
    RedisClient client = pool.client();
    Burst.Result ok = Burst.run(4, 32, i -> client.set("hung:" + i, "v"));
    assertEquals(0, ok.failed(), ok::summary);
  }

  /** 8 threads x 4 commands while the server hangs: all fail, none waits past the bound. */
  private static void assertCallersFailWithinBound(RedisPool pool) {
    RedisClient client = pool.client();
    AtomicLong longestMillis = new AtomicLong();
    Burst.Result hung = Burst.run(8, 32, i -> {
      long start = System.nanoTime();
      try {
        client.get("hung:" + (i % 32));
      } finally {
        longestMillis.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
      }
    });
    assertEquals(32, hung.failed(), hung::summary);
    assertTrue(longestMillis.get() <= WAIT_BOUND_MILLIS,
        "longest wait " + longestMillis.get() + " ms, bound " + WAIT_BOUND_MILLIS + " ms");
  }

  private static void assertRecovers(RedisPool pool) {
    RedisClient client = pool.client();
    Await.until(Duration.ofSeconds(15), "the pool to serve again", () -> "v".equals(client.get("hung:0")));
    Burst.Result after = Burst.run(8, 64, i -> client.get("hung:" + (i % 32)));
    assertEquals(0, after.failed(), after::summary);
  }
}
