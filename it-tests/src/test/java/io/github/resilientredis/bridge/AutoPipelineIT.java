package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The bridge's auto-pipeline against a real Redis: concurrent commands share batches and each gets
 * its own reply; a connection killed in the middle of a batch resends only what is safe (an INCR is
 * never doubled); a read timeout in the middle of a batch fails the commands behind it without
 * resending them, and the next batch runs on a fresh connection.
 *
 * <p>In the bridge's package to reach the package-private {@link AutoPipeline}.
 */
class AutoPipelineIT {

  private static final Logger log = LoggerFactory.getLogger(AutoPipelineIT.class);
  private static GenericContainer<?> redis;
  private RedisPool pool;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeAll
  static void startRedis() {
    redis = RedisContainers.redis("--enable-debug-command", "yes");
    redis.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.stop();
    }
  }

  @BeforeEach
  void flush() {
    RedisProbe.flushAll(redis);
  }

  @AfterEach
  void close() throws InterruptedException {
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS), "test threads ended");
    if (pool != null) {
      pool.close();
    }
  }

  private RedisPool pool(Duration readTimeout) {
    pool = RedisPool.builder().uri(RedisContainers.uri(redis)).name("pipeline-it").maxTotal(8)
        .readTimeout(readTimeout).build();
    return pool;
  }

  @Test
  void concurrentCommandsShareBatchesAndEachGetsItsOwnReply() throws Exception {
    AutoPipeline pipeline =
        new AutoPipeline(new RedisBackend.Single(pool(Duration.ofSeconds(2))), 2);
    int callers = 24;
    int rounds = 300;
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      int caller = t;
      done.add(threads.submit(() -> {
        for (int i = 0; i < rounds; i++) {
          String key = "k:" + caller + ":" + i;
          String value = "v:" + caller + ":" + i;
          assertEquals("OK", pipeline.call(args("SET", key, value)));
          assertEquals(value, text(pipeline.call(args("GET", key))));
          pipeline.call(args("INCR", "count"));
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertEquals(String.valueOf(callers * rounds), RedisProbe.get(redis, "count"));
    long commands = pipeline.commands();
    assertEquals(3L * callers * rounds, commands);
    log.info("{} commands in {} batches", commands, pipeline.batches());
    assertTrue(pipeline.batches() < commands / 2,
        "concurrent commands went in batches: " + pipeline.batches() + " for " + commands);
  }

  @Test
  void aConnectionKilledMidBatchResendsOnlyWhatIsSafe() throws Exception {
    AutoPipeline pipeline =
        new AutoPipeline(new RedisBackend.Single(pool(Duration.ofSeconds(2))), 2);
    int callers = 12;
    for (int t = 0; t < callers; t++) {
      pipeline.call(args("SET", "fixed:" + t, "value:" + t));
    }
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong acknowledged = new AtomicLong();
    AtomicLong failedAfterSend = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    AtomicLong failedReads = new AtomicLong();
    AtomicLong wrongReplies = new AtomicLong();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      int caller = t;
      done.add(threads.submit(() -> {
        String expected = "value:" + caller;
        for (int i = 0; running.get(); i++) {
          try {
            if (i % 2 == 0) {
              pipeline.call(args("INCR", "counter"));
              acknowledged.incrementAndGet();
            } else if (expected.equals(text(pipeline.call(args("GET", "fixed:" + caller))))) {
              reads.incrementAndGet();
            } else {
              wrongReplies.incrementAndGet(); // another command's reply: the stream is out of step
            }
          } catch (RedisPoolException e) {
            LockSupport.parkNanos(1_000_000); // not sent: no connection could be lent
          } catch (JedisConnectionException e) {
            (i % 2 == 0 ? failedAfterSend : failedReads).incrementAndGet();
          }
        }
        return null;
      }));
    }
    int kills = 0;
    long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
    while (System.nanoTime() < end && kills < 200) {
      Thread.sleep(15);
      Faults.killNormalClients(redis);
      kills++;
    }
    running.set(false);
    for (Future<?> f : done) {
      f.get(30, TimeUnit.SECONDS);
    }
    long counter = Long.parseLong(RedisProbe.get(redis, "counter"));
    log.info("{} kills: INCR acknowledged {}, failed after send {}, counter {}; GET {} ok, {} failed,"
            + " {} resent; {} batches", kills, acknowledged, failedAfterSend, counter, reads,
        failedReads, pipeline.resent(), pipeline.batches());
    assertEquals(0, wrongReplies.get(), "every caller got its own command's reply");
    assertTrue(counter >= acknowledged.get() && counter <= acknowledged.get()
        + failedAfterSend.get(), "no INCR lost or doubled: acknowledged " + acknowledged
        + " <= counter " + counter + " <= acknowledged + failed after send " + failedAfterSend);
    assertTrue(pipeline.resent() > 0, "some kill cut a batch with reads left unanswered");
    assertTrue(acknowledged.get() > 0 && reads.get() > 0, "work was done between the kills");
  }

  @Test
  void aReadTimeoutMidBatchFailsTheCommandsBehindItWithoutResendingThem() throws Exception {
    AutoPipeline pipeline =
        new AutoPipeline(new RedisBackend.Single(pool(Duration.ofMillis(800))), 1);
    pipeline.call(args("SET", "k", "v"));
    long batchesBefore = pipeline.batches();
    // Keeps the lane busy while three commands queue up, in this order, for the next batch.
    CompletableFuture<Object> first = call(pipeline, "DEBUG", "SLEEP", "0.3");
    Await.until(Duration.ofSeconds(5), "the first batch is on the wire",
        () -> pipeline.batches() > batchesBefore);
    CompletableFuture<Object> slow = call(pipeline, "DEBUG", "SLEEP", "1.6");
    Await.until(Duration.ofSeconds(5), "DEBUG SLEEP 1.6 queued", () -> pipeline.waiting() == 1);
    CompletableFuture<Object> incr = call(pipeline, "INCR", "n");
    Await.until(Duration.ofSeconds(5), "INCR queued", () -> pipeline.waiting() == 2);
    CompletableFuture<Object> get = call(pipeline, "GET", "k");
    Await.until(Duration.ofSeconds(5), "GET queued", () -> pipeline.waiting() == 3);

    assertEquals("OK", text(first.get(5, TimeUnit.SECONDS)));
    for (CompletableFuture<Object> behind : List.of(slow, incr, get)) {
      Throwable failure = behind.handle((reply, error) -> error).get(5, TimeUnit.SECONDS);
      assertInstanceOf(JedisConnectionException.class, failure.getCause(), "failed: " + failure);
      assertTrue(isTimeout(failure), "a read timeout: " + failure);
    }
    // Redis read the INCR before the client gave up: it ran once, and was not sent again.
    Await.until(Duration.ofSeconds(5), "Redis ran the INCR after its sleep",
        () -> "1".equals(RedisProbe.get(redis, "n")));
    assertEquals(0, pipeline.resent());
    assertEquals("v", text(pipeline.call(args("GET", "k"))), "the lane works again");
    assertEquals("1", RedisProbe.get(redis, "n"));
  }

  private CompletableFuture<Object> call(AutoPipeline pipeline, String... command) {
    return CompletableFuture.supplyAsync(() -> pipeline.call(args(command)), threads);
  }

  private static boolean isTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static byte[][] args(String... words) {
    byte[][] args = new byte[words.length][];
    for (int i = 0; i < words.length; i++) {
      args[i] = words[i].getBytes(StandardCharsets.UTF_8);
    }
    return args;
  }

  private static String text(Object reply) {
    return reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
        : String.valueOf(reply);
  }
}
