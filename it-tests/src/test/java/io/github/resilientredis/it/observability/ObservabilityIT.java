package io.github.resilientredis.it.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.pool.PoolListener;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.micrometer.RedisPoolMetrics;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

/** What operators see: the JMX MBean, the Micrometer meters and the listener, under real load. */
class ObservabilityIT {

  private static GenericContainer<?> redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisContainers.redis("--timeout", "0");
    redis.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.stop();
  }

  @Test
  void mxBeanShowsTheCountsAndSoftEvicts() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = new ObjectName("io.github.resilientredis:type=RedisPool,name=\"jmx-pool\"");
    try (RedisPool pool = RedisPool.builder().uri(RedisContainers.uri(redis)).name("jmx-pool")
        .minIdle(2).registerMbeans(true).build()) {
      Await.until(Duration.ofSeconds(5), "minIdle connections",
          () -> (Integer) attribute(server, name, "IdleConnections") == 2);
      assertEquals(8, attribute(server, name, "MaxTotal"));
      assertEquals(pool.config().serverUri(), attribute(server, name, "Server"));
      long createdBefore = (Long) attribute(server, name, "ConnectionsCreated");

      server.invoke(name, "softEvictConnections", null, null);
      Await.until(Duration.ofSeconds(5), "evicted connections to be replaced",
          () -> (Long) attribute(server, name, "ConnectionsDestroyed") >= 2
              && (Long) attribute(server, name, "ConnectionsCreated") >= createdBefore + 1);
      assertEquals("PONG", pool.client().ping());
    }
    assertFalse(server.isRegistered(name), "closing the pool unregisters its MBean");
  }

  @Test
  void micrometerMetersMoveUnderLoad() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (RedisPool pool = RedisPool.builder().uri(RedisContainers.uri(redis)).name("metered")
        .maxTotal(4).build()) {
      new RedisPoolMetrics(pool).bindTo(registry);
      ExecutorService threads = Executors.newFixedThreadPool(8);
      try {
        Future<?>[] work = new Future<?>[8];
        for (int t = 0; t < work.length; t++) {
          int thread = t;
          work[t] = threads.submit(() -> {
            for (int i = 0; i < 200; i++) {
              pool.client().set("metered:" + thread, Integer.toString(i));
            }
          });
        }
        for (Future<?> f : work) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        threads.shutdownNow();
      }
      FunctionTimer borrows = registry.get("redis.pool.borrow.wait").tag("pool", "metered")
          .functionTimer();
      assertTrue(borrows.count() >= 1600, "every SET borrowed: " + borrows.count());
      assertEquals(4.0, registry.get("redis.pool.connections").tag("state", "total").gauge().value());
      assertEquals(4.0, registry.get("redis.pool.connections.max").gauge().value());
      double created = registry.get("redis.pool.connections.created").functionCounter().count();
      assertEquals(4.0, created, "8 threads share 4 connections");

      Faults.killNormalClients(redis);
      Await.until(Duration.ofSeconds(5), "the broken connections to be noticed and replaced",
          () -> pool.client().ping().equals("PONG")
              && registry.get("redis.pool.connections.destroyed").functionCounter().count() >= 1);
    }
  }

  @Test
  void listenerHearsBorrowsReturnsAndCreations() {
    LongAdder borrowed = new LongAdder();
    LongAdder returned = new LongAdder();
    LongAdder created = new LongAdder();
    PoolListener listener = new PoolListener() {
      @Override public void borrowed(long waitNanos) { borrowed.increment(); }
      @Override public void returned(long heldNanos) { returned.increment(); }
      @Override public void created() { created.increment(); }
    };
    try (RedisPool pool = RedisPool.builder().uri(RedisContainers.uri(redis)).minIdle(0)
        .listener(listener).build()) {
      for (int i = 0; i < 10; i++) {
        pool.client().incr("listened");
      }
      assertEquals(10, borrowed.sum());
      assertEquals(10, returned.sum());
      assertEquals(1, created.sum(), "one thread needs one connection");
    }
  }

  private static Object attribute(MBeanServer server, ObjectName name, String attribute) {
    try {
      return server.getAttribute(name, attribute);
    } catch (Exception e) {
      throw new AssertionError("cannot read " + attribute + " of " + name, e);
    }
  }
}
