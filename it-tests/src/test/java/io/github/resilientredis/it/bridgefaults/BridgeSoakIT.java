package io.github.resilientredis.it.bridgefaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.bridgefaults.BridgeClient.Reply;
import io.github.resilientredis.it.support.AcknowledgedWrites;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Invariants;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The soak of {@code it/faults/SoakIT}, through the bridge over HTTP: 16 threads of GET, SET and
 * INCR as Upstash {@code POST /} requests while random real faults hit Redis (CLIENT KILL of the
 * bridge's connections, a 1 s pause, a restart with AOF on every write). Afterwards: every
 * acknowledged SET readable, the INCR counter between the acknowledged INCRs and those plus the
 * ones of unknown outcome, no HTTP call longer than the bridge's timeouts allow, and the bridge
 * serving, with no more Redis connections than its pool size.
 *
 * <p>Which replies mean "never sent": a 503 whose error says Redis is unreachable, no pooled
 * connection became free, or the bridge is shutting down: each is thrown before a command is
 * written (or after a first attempt that did not reach Redis, the only case the pool retries a
 * non-idempotent command). Everything else that is not a 200 (503 "connection to Redis was lost",
 * 504, 400, a transport error) may have run. SET is retried by the pool after it may have reached
 * Redis (it is idempotent), so every SET without a 200 counts as unknown.
 *
 * <p>{@code -Dsoak.seconds=N} (default 20); the seed is logged and replayed with
 * {@code -Dsoak.seed=S}.
 */
class BridgeSoakIT {

  private static final Logger log = LoggerFactory.getLogger(BridgeSoakIT.class);
  private static final int THREADS = 16;
  private static final int KEYS_PER_THREAD = 10;
  private static final int POOL_SIZE = 8;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration BORROW_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
  /**
   * The borrow timeout and the command timeout, plus what one retry on a fresh connection adds
   * (connect and the handshake's read; the first attempt failed fast on a dead connection, a
   * timeout is never retried), plus 1.5 s of slack for HTTP on a busy machine: 5 s.
   */
  private static final long CALL_BOUND_MILLIS = BORROW_TIMEOUT.toMillis()
      + CONNECT_TIMEOUT.toMillis() + 2 * COMMAND_TIMEOUT.toMillis() + 1_500;
  private static final List<String> NOT_SENT = List.of("ERR Redis is unreachable",
      "ERR no Redis connection became free", "ERR the bridge is shutting down");

  @Test
  void mixedHttpLoadUnderRandomRedisFaults() throws Exception {
    BridgeClient.init();
    long seconds = Long.getLong("soak.seconds", 20);
    long seed = Long.getLong("soak.seed", System.nanoTime());
    log.info("bridge soak: {} s, {} threads, seed {} (replay with -Dsoak.seed={})", seconds,
        THREADS, seed, seed);
    int port = FreePorts.pick();
    GenericContainer<?> redis = RedisContainers.redisOnHostPort(port, "--dir", "/data",
        "--appendonly", "yes", "--appendfsync", "always");
    redis.start();
    RedisHttpBridge bridge = RedisHttpBridge.builder().redis("redis://localhost:" + port).port(0)
        .poolSize(POOL_SIZE).commandTimeout(COMMAND_TIMEOUT).borrowTimeout(BORROW_TIMEOUT)
        .connectTimeout(CONNECT_TIMEOUT).maxBlock(Duration.ofMillis(500)).start();
    try {
      BridgeClient http = new BridgeClient(bridge.url(), null);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      AtomicLong longestCall = new AtomicLong();
      Counts counts = new Counts();
      ExecutorService workers = Executors.newFixedThreadPool(THREADS + 1);
      List<Future<AcknowledgedWrites>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        results.add(workers.submit(() -> work(http, thread, seed + thread, deadline, longestCall,
            counts)));
      }
      Future<Integer> faults = workers.submit(() -> Faults.injectRandomly(redis, port, new Random(seed),
          deadline));
      List<AcknowledgedWrites> writes = new ArrayList<>();
      for (Future<AcknowledgedWrites> result : results) {
        writes.add(result.get(seconds + 60, TimeUnit.SECONDS));
      }
      int injected = faults.get(60, TimeUnit.SECONDS);
      workers.shutdown();

      RedisProbe.awaitAnswers("localhost", port, Duration.ofSeconds(20));
      Await.until(Duration.ofSeconds(10), "the bridge to serve again",
          () -> http.post("/", "[\"SET\",\"bsoak:after\",\"1\"]").status() == 200);
      log.info("bridge soak: {} faults; INCR acked {}, unknown {}, not sent {}; SET acked {},"
          + " unknown {}; GET ok {}, failed {}; longest call {} ms (bound {} ms)", injected,
          counts.ackedIncrs.sum(), counts.unknownIncrs.sum(), counts.notSentIncrs.sum(),
          counts.ackedSets.sum(), counts.unknownSets.sum(), counts.okGets.sum(),
          counts.failedGets.sum(), longestCall.get(), CALL_BOUND_MILLIS);

      assertTrue(injected >= 2, "faults injected: " + injected);
      assertTrue(counts.ackedIncrs.sum() > 0 && counts.ackedSets.sum() > 0,
          "the load got through between the faults");
      assertTrue(longestCall.get() <= CALL_BOUND_MILLIS,
          "longest HTTP call " + longestCall.get() + " ms, bound " + CALL_BOUND_MILLIS + " ms");
      long counter = Long.parseLong(RedisProbe.get(redis, "bsoak:counter"));
      Invariants.assertIncrCounter(counter, counts.ackedIncrs.sum(), counts.unknownIncrs.sum());
      Invariants.assertReadable(writes, key -> RedisProbe.get(redis, key));
      http.get("/ready").expect(200);
      assertTrue(http.get("/metrics").expect(200).body().contains("bridge_pool_connections"));
      Await.until(Duration.ofSeconds(10), "Redis to see no more clients than the pool size ("
          + POOL_SIZE + ")", () -> RedisProbe.normalClients(redis) <= POOL_SIZE);
    } finally {
      bridge.close();
      redis.stop();
    }
  }

  private static final class Counts {
    final LongAdder ackedIncrs = new LongAdder();
    final LongAdder unknownIncrs = new LongAdder();
    final LongAdder notSentIncrs = new LongAdder();
    final LongAdder ackedSets = new LongAdder();
    final LongAdder unknownSets = new LongAdder();
    final LongAdder okGets = new LongAdder();
    final LongAdder failedGets = new LongAdder();
  }

  private static AcknowledgedWrites work(BridgeClient http, int thread, long seed, long deadline,
      AtomicLong longestCall, Counts counts) {
    Random random = new Random(seed);
    AcknowledgedWrites writes = new AcknowledgedWrites();
    for (long seq = 0; System.nanoTime() < deadline && seq < 10_000_000; seq++) {
      String key = "bsoak:" + thread + ":" + random.nextInt(KEYS_PER_THREAD);
      int op = random.nextInt(10);
      long start = System.nanoTime();
      Reply reply;
      String body = op < 4 ? "[\"GET\",\"" + key + "\"]"
          : op < 7 ? "[\"SET\",\"" + key + "\",\"" + thread + "-" + seq + "\"]"
          : "[\"INCR\",\"bsoak:counter\"]";
      try {
        reply = http.trySend("POST", "/", body.getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(15), "Content-Type", "application/json");
      } catch (IOException e) {
        reply = null; // outcome unknown
      } finally {
        longestCall.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
      }
      if (op < 4) {
        (reply != null && reply.status() == 200 ? counts.okGets : counts.failedGets).increment();
      } else if (op < 7) {
        String value = thread + "-" + seq;
        if (reply != null && reply.status() == 200 && reply.body().equals("{\"result\":\"OK\"}")) {
          writes.ack(key, value);
          counts.ackedSets.increment();
        } else {
          writes.unknown(key, value);
          counts.unknownSets.increment();
        }
      } else if (reply != null && reply.status() == 200
          && reply.body().matches("\\{\"result\":[0-9]+}")) {
        counts.ackedIncrs.increment();
      } else if (reply != null && reply.status() == 503 && notSent(reply)) {
        counts.notSentIncrs.increment();
      } else {
        counts.unknownIncrs.increment();
      }
    }
    return writes;
  }

  private static boolean notSent(Reply reply) {
    String error = BridgeClient.errorText(reply.header("Content-Type"), reply.bytes());
    return NOT_SENT.stream().anyMatch(error::startsWith);
  }
}
