package io.github.resilientredis.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.AcknowledgedWrites;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Invariants;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * 16 threads of mixed reads and writes through {@code pool.client()} while random real faults hit
 * the server (CLIENT KILL, a 1 s pause, a restart). Afterwards: no connection leaked, every
 * acknowledged SET readable, the INCR counter equal to the acknowledged INCRs give or take the ones
 * whose outcome the caller could not know (never doubled), and no call blocked past its timeouts.
 *
 * <p>Bounded: {@code -Dsoak.seconds=N} (default 20) sets how long the load runs; the seed of the
 * fault sequence is logged and can be replayed with {@code -Dsoak.seed=S}.
 */
class SoakIT {

  private static final Logger log = LoggerFactory.getLogger(SoakIT.class);
  private static final int THREADS = 16;
  private static final int KEYS_PER_THREAD = 10;
  private static final Duration READ_TIMEOUT = Duration.ofMillis(500);
  private static final Duration BORROW_TIMEOUT = Duration.ofSeconds(1);
  /** No call may take longer (borrow, open and read, twice). */
  private static final long CALL_BOUND_MILLIS =
      Invariants.poolCallBoundMillis(BORROW_TIMEOUT, READ_TIMEOUT);

  @Test
  void mixedLoadUnderRandomFaults() throws Exception {
    long seconds = Long.getLong("soak.seconds", 20);
    long seed = Long.getLong("soak.seed", System.nanoTime());
    log.info("soak: {} s, {} threads, seed {}", seconds, THREADS, seed);
    int port = FreePorts.pick();
    // AOF with fsync on every write: an acknowledged write survives the restarts below.
    GenericContainer<?> redis = RedisContainers.redisOnHostPort(port, "--dir", "/data",
        "--appendonly", "yes", "--appendfsync", "always");
    redis.start();
    try (RedisPool pool = RedisPool.builder().uri("redis://localhost:" + port).maxTotal(8)
        .readTimeout(READ_TIMEOUT).connectTimeout(READ_TIMEOUT).borrowTimeout(BORROW_TIMEOUT)
        .build()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      AtomicLong longestCall = new AtomicLong();
      LongAdder ackedIncrs = new LongAdder();
      LongAdder failedIncrs = new LongAdder();
      ExecutorService workers = Executors.newFixedThreadPool(THREADS + 1);
      List<Future<AcknowledgedWrites>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        results.add(workers.submit(() -> work(pool.client(), thread, seed + thread, deadline,
            longestCall, ackedIncrs, failedIncrs)));
      }
      Future<Integer> faults = workers.submit(() -> Faults.injectRandomly(redis, port, new Random(seed), deadline));
      List<AcknowledgedWrites> writes = new ArrayList<>();
      for (Future<AcknowledgedWrites> result : results) {
        writes.add(result.get(seconds + 60, TimeUnit.SECONDS));
      }
      int injected = faults.get(60, TimeUnit.SECONDS);
      workers.shutdown();

      RedisProbe.awaitAnswers("localhost", port, Duration.ofSeconds(20));
      Await.until(Duration.ofSeconds(10), "the pool to serve again",
          () -> "PONG".equals(pool.client().ping()));
      log.info("soak: {} faults, {} acked INCRs, {} failed, longest call {} ms, {}", injected,
          ackedIncrs.sum(), failedIncrs.sum(), longestCall.get(), pool.stats());

      assertTrue(injected >= 2, "faults injected: " + injected);
      assertTrue(longestCall.get() <= CALL_BOUND_MILLIS,
          "longest call " + longestCall.get() + " ms, bound " + CALL_BOUND_MILLIS + " ms");
      long counter = Long.parseLong(pool.client().get("soak:counter"));
      Invariants.assertIncrCounter(counter, ackedIncrs.sum(), failedIncrs.sum());
      Invariants.assertReadable(writes, pool.client()::get);
      Invariants.assertPoolQuiet(pool, 8);
      assertTrue(RedisProbe.normalClients(redis) <= 8,
          "the server sees no more clients than the pool allows");
    } finally {
      redis.stop();
    }
  }

  /** One soak thread's loop (also {@link SentinelSoakIT}'s): what it wrote, acknowledged or not. */
  static AcknowledgedWrites work(RedisClient client, int thread, long seed, long deadline,
      AtomicLong longestCall, LongAdder ackedIncrs, LongAdder failedIncrs) {
    Random random = new Random(seed);
    AcknowledgedWrites writes = new AcknowledgedWrites();
    for (long seq = 0; System.nanoTime() < deadline && seq < 10_000_000; seq++) {
      String key = "soak:" + thread + ":" + random.nextInt(KEYS_PER_THREAD);
      int op = random.nextInt(10);
      long start = System.nanoTime();
      try {
        if (op < 4) {
          client.get(key);
        } else if (op < 7) {
          String value = thread + "-" + seq;
          try {
            client.set(key, value);
            writes.ack(key, value);
          } catch (RedisPoolException neverSent) {
            throw neverSent;
          } catch (RuntimeException e) {
            writes.unknown(key, value);
            throw e;
          }
        } else {
          try {
            client.incr("soak:counter");
            ackedIncrs.increment();
          } catch (RedisPoolException neverSent) {
            throw neverSent; // no connection could be lent: nothing reached Redis
          } catch (RuntimeException e) {
            failedIncrs.increment(); // sent, outcome unknown: it may or may not have run
            throw e;
          }
        }
      } catch (RuntimeException expectedDuringFaults) {
        // Faults make calls fail; what matters is what was acknowledged, checked at the end.
      } finally {
        longestCall.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
      }
    }
    return writes;
  }
}
