package io.github.resilientredis.it.pool;

import static io.github.resilientredis.it.pool.PoolTesting.CONNECTIONS;
import static io.github.resilientredis.it.pool.PoolTesting.SERVER_ARGS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * An INCR cut off by a fault is never run twice.
 *
 * <p>What can be known from outside: an INCR that returned ran once. One that threw after it was
 * sent ran once or not at all, and nothing can tell the caller which: Redis may have run it and
 * lost the reply ("executed, not acknowledged"). So the exact invariant is
 * {@code acknowledged <= counter <= acknowledged + failedAfterSend}. An INCR that is retried after
 * Redis ran it counts once in {@code acknowledged} but twice in the counter, and each such doubling
 * pushes the counter one past that bound unless a failure elsewhere did not run: the faults are
 * therefore chosen to make "executed, not acknowledged" common, and a control client that retries
 * blindly shows the check catches doubling on this very schedule.
 *
 * <p>Two faults: {@code CLIENT KILL TYPE normal} in a loop (connections die under load), then the
 * container paused longer than the read timeout (the INCRs wait in Redis's socket buffers, the
 * client gives up, and Redis runs them when it resumes: executed, not acknowledged).
 *
 * <p>Concurrent GETs are counted and logged, not asserted: one kill closes every connection at
 * once, and a paused server answers nothing, so a GET and its single retry can both fail. Zero
 * read failures is asserted where it is guaranteed, in {@code ServerFaultIT}.
 */
class DuplicateWriteIT {

  private static final Logger log = LoggerFactory.getLogger(DuplicateWriteIT.class);
  private static final String COUNTER = "dup:counter";
  private static final int WRITERS = 6;
  private static final int READERS = 2;
  private static final Duration READ_TIMEOUT = Duration.ofMillis(200);
  /** The kill phase ends once this many INCRs failed after being sent, or at its limits. */
  private static final int ENOUGH_INTERRUPTED = 30;
  private static final int MAX_KILLS = 200;
  private static final Duration MAX_KILL_PHASE = Duration.ofSeconds(2);
  private static final Duration KILL_PERIOD = Duration.ofMillis(20);
  private static final int PAUSES = 3;
  /** Longer than the read timeout, so that the INCRs in flight time out on the client. */
  private static final Duration PAUSE = Duration.ofMillis(400);
  private static final Duration BETWEEN_PAUSES = Duration.ofMillis(300);
  /**
   * While the pool fails fast (Redis unreachable), client threads would spin on exceptions and
   * starve the faults' own thread on a small machine: they back off this long after a failure.
   */
  private static final long FAILURE_BACKOFF_NANOS = Duration.ofMillis(1).toNanos();

  private static GenericContainer<?> redis;

  /** The operations under test, on whatever client. */
  private interface Ops {
    void incr();
    void get();
  }

  /** Counts of one run. */
  private record Outcome(long acknowledged, long failedAfterSend, long notLent, long counter,
      long reads, long failedReads, long kills, List<Throwable> unexpected) {

    long excess() {
      return counter - acknowledged - failedAfterSend;
    }
  }

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
  void resetCounter() {
    RedisProbe.flushAll(redis);
  }

  @Test
  void incrInterruptedByAFaultIsNeverExecutedTwice() throws Exception {
    Outcome outcome;
    try (RedisPool pool = RedisPool.builder().uri(RedisContainers.uri(redis))
        .maxTotal(CONNECTIONS).readTimeout(READ_TIMEOUT).build()) {
      RedisClient client = pool.client();
      outcome = runUnderFaults(new Ops() {
        @Override
        public void incr() {
          client.incr(COUNTER);
        }

        @Override
        public void get() {
          client.get(COUNTER);
        }
      });
      log.info("our pool: {}; {}", outcome, pool.stats());
    }

    assertTrue(outcome.unexpected().isEmpty(),
        () -> "unexpected exceptions: " + outcome.unexpected());
    assertTrue(outcome.acknowledged() > 0, "no INCR succeeded at all: " + outcome);
    // The case under test must have happened: INCRs that failed after they were sent.
    assertTrue(outcome.failedAfterSend() > 0, "no INCR was interrupted: " + outcome);
    assertTrue(outcome.counter() >= outcome.acknowledged(),
        "an acknowledged INCR was lost: " + outcome);
    assertTrue(outcome.excess() <= 0, "an INCR ran twice: counter exceeds acknowledged + "
        + "interrupted by " + outcome.excess() + ": " + outcome);
  }

  /**
   * Control: JedisPool with a blind retry-once on a connection error, as users write it (and as
   * retrying executors do). Same faults; the check above must see it run INCRs twice, else the
   * check could not fail.
   */
  @Test
  void blindRetryRunsInterruptedIncrTwice() throws Exception {
    JedisPoolConfig config = new JedisPoolConfig();
    config.setMaxTotal(CONNECTIONS);
    Outcome outcome;
    try (JedisPool jedisPool = new JedisPool(config, redis.getHost(), RedisContainers.port(redis),
        (int) READ_TIMEOUT.toMillis())) {
      outcome = runUnderFaults(new Ops() {
        @Override
        public void incr() {
          try (Jedis jedis = jedisPool.getResource()) {
            jedis.incr(COUNTER);
          } catch (JedisConnectionException first) {
            try (Jedis jedis = jedisPool.getResource()) {
              jedis.incr(COUNTER);
            }
          }
        }

        @Override
        public void get() {
          try (Jedis jedis = jedisPool.getResource()) {
            jedis.get(COUNTER);
          }
        }
      });
    }
    log.info("control, blind retry: {}", outcome);
    assertTrue(outcome.excess() > 0,
        "a blind retry should have doubled some INCRs under these faults: " + outcome);
  }

  private static Outcome runUnderFaults(Ops ops) throws InterruptedException {
    AtomicLong acknowledged = new AtomicLong();
    AtomicLong failedAfterSend = new AtomicLong();
    AtomicLong notLent = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    AtomicLong failedReads = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Throwable> unexpected = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(WRITERS + READERS);
    long kills = 0;
    try {
      for (int w = 0; w < WRITERS; w++) {
        threads.execute(() -> {
          while (!stop.get()) {
            try {
              ops.incr();
              acknowledged.incrementAndGet();
            } catch (RedisPoolException e) {
              notLent.incrementAndGet(); // no connection: nothing was sent
              LockSupport.parkNanos(FAILURE_BACKOFF_NANOS);
            } catch (JedisException e) {
              failedAfterSend.incrementAndGet();
              LockSupport.parkNanos(FAILURE_BACKOFF_NANOS);
            } catch (RuntimeException e) {
              synchronized (unexpected) {
                unexpected.add(e);
              }
            }
          }
        });
      }
      for (int r = 0; r < READERS; r++) {
        threads.execute(() -> {
          while (!stop.get()) {
            try {
              ops.get();
              reads.incrementAndGet();
            } catch (RuntimeException e) {
              failedReads.incrementAndGet();
              LockSupport.parkNanos(FAILURE_BACKOFF_NANOS);
            }
          }
        });
      }

      // The sleeps below pace the faults; nothing is awaited with them.
      long deadline = System.nanoTime() + MAX_KILL_PHASE.toNanos();
      while (kills < MAX_KILLS && failedAfterSend.get() < ENOUGH_INTERRUPTED
          && System.nanoTime() < deadline) {
        Thread.sleep(KILL_PERIOD.toMillis());
        Faults.killNormalClients(redis);
        kills++;
      }
      for (int p = 0; p < PAUSES; p++) {
        Faults.pause(redis);
        try {
          Thread.sleep(PAUSE.toMillis());
        } finally {
          Faults.unpause(redis);
        }
        Thread.sleep(BETWEEN_PAUSES.toMillis());
      }
    } finally {
      stop.set(true);
      threads.shutdown();
      if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
        threads.shutdownNow();
        throw new AssertionError("client threads did not stop");
      }
    }
    String value = RedisProbe.get(redis, COUNTER);
    long counter = value == null ? 0 : Long.parseLong(value);
    return new Outcome(acknowledged.get(), failedAfterSend.get(), notLent.get(), counter,
        reads.get(), failedReads.get(), kills, List.copyOf(unexpected));
  }
}
