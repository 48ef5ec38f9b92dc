package io.github.resilientredis.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.AcknowledgedWrites;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Invariants;
import io.github.resilientredis.it.support.SentinelTopology;
import io.github.resilientredis.pool.RedisPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ClientKillParams;

/**
 * {@link SoakIT}'s load (16 threads of GET, SET and INCR through {@code pool.client()}) through a
 * pool that follows Sentinel, while the master moves: a {@code SENTINEL FAILOVER} at a quarter of
 * the run, a {@code CLIENT KILL TYPE normal} on the new master, and a second failover back once
 * the old master has become a replica of the new one (redis-server processes: a master, a replica,
 * two sentinels). Afterwards SoakIT's invariants: no connection leaked (none left on the demoted
 * server), every acknowledged SET readable, the INCR counter within acknowledged ... acknowledged +
 * unknown, no call past its timeouts.
 *
 * <p>Bounded: {@code -Dsoak.seconds=N} (default 20, at least 12 so both failovers fit).
 */
class SentinelSoakIT {

  private static final Logger log = LoggerFactory.getLogger(SentinelSoakIT.class);
  private static final int THREADS = 16;
  private static final int MAX_TOTAL = 8;
  private static final String CLIENT_NAME = "sentinel-soak";
  private static final Duration READ_TIMEOUT = Duration.ofMillis(500);
  /** Borrowers are held while a promotion is confirmed: longer than SoakIT's, as in the README. */
  private static final Duration BORROW_TIMEOUT = Duration.ofSeconds(2);
  /** No call may take longer (borrow, open and read, twice). */
  private static final long CALL_BOUND_MILLIS =
      Invariants.poolCallBoundMillis(BORROW_TIMEOUT, READ_TIMEOUT);

  @Test
  void mixedLoadAcrossTwoSentinelFailovers() throws Exception {
    long seconds = Math.max(12, Long.getLong("soak.seconds", 20));
    long seed = Long.getLong("soak.seed", System.nanoTime());
    log.info("sentinel soak: {} s, {} threads, seed {}", seconds, THREADS, seed);
    try (SentinelTopology topology = new SentinelTopology(2);
        RedisPool pool = RedisPool.builder().name("sentinel-soak").clientName(CLIENT_NAME)
            .sentinel(SentinelTopology.MASTER_NAME, topology.sentinelAddresses())
            .maxTotal(MAX_TOTAL).readTimeout(READ_TIMEOUT).connectTimeout(READ_TIMEOUT)
            .borrowTimeout(BORROW_TIMEOUT).build()) {
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
      AtomicLong longestCall = new AtomicLong();
      LongAdder ackedIncrs = new LongAdder();
      LongAdder failedIncrs = new LongAdder();
      ExecutorService workers = Executors.newFixedThreadPool(THREADS + 1);
      List<Future<AcknowledgedWrites>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        results.add(workers.submit(() -> SoakIT.work(pool.client(), thread, seed + thread,
            deadline, longestCall, ackedIncrs, failedIncrs)));
      }
      Future<Integer> faults = workers.submit(() -> moveTheMaster(topology, start, seconds));
      List<AcknowledgedWrites> writes = collect(results, seconds);
      int failovers = faults.get(60, TimeUnit.SECONDS);
      workers.shutdown();

      Await.until(Duration.ofSeconds(10), "the pool to serve again",
          () -> "PONG".equals(pool.client().ping()));
      log.info("sentinel soak: {} failovers, {} acked INCRs, {} failed, longest call {} ms, {}",
          failovers, ackedIncrs.sum(), failedIncrs.sum(), longestCall.get(), pool.stats());

      assertEquals(2, failovers, "failovers done");
      assertTrue(longestCall.get() <= CALL_BOUND_MILLIS,
          "longest call " + longestCall.get() + " ms, bound " + CALL_BOUND_MILLIS + " ms");
      long counter = Long.parseLong(pool.client().get("soak:counter"));
      Invariants.assertIncrCounter(counter, ackedIncrs.sum(), failedIncrs.sum());
      Invariants.assertReadable(writes, pool.client()::get);
      Invariants.assertPoolQuiet(pool, MAX_TOTAL);
      // Back on the first master; the demoted one keeps none of the pool's connections.
      Await.until(Duration.ofSeconds(5), "no pool connection on the demoted server",
          () -> SentinelTopology.clientsNamed(topology.replicaPort(), CLIENT_NAME) == 0);
      assertTrue(SentinelTopology.clientsNamed(topology.masterPort(), CLIENT_NAME) <= MAX_TOTAL,
          "the master sees no more of the pool's clients than the pool allows");
    }
  }

  private static List<AcknowledgedWrites> collect(List<Future<AcknowledgedWrites>> results,
      long seconds) throws Exception {
    List<AcknowledgedWrites> writes = new ArrayList<>();
    for (Future<AcknowledgedWrites> result : results) {
      writes.add(result.get(seconds + 60, TimeUnit.SECONDS));
    }
    return writes;
  }

  /**
   * A failover to the replica at a fifth of the run, CLIENT KILL on the new master at 40 %, and a
   * failover back at half the run or as soon as the old master has become the new one's synced
   * replica (the sentinels demote it about 8 s after the switch; until then it is a writable master
   * the pool must no longer use, and a failover back before it synced would throw away what the
   * new master acknowledged). Returns the failovers done.
   */
  private static int moveTheMaster(SentinelTopology topology, long start, long seconds) {
    awaitRunTime(start, seconds * 200);
    failover(topology, topology.replicaPort());
    awaitRunTime(start, seconds * 400);
    try (Jedis newMaster = SentinelTopology.jedis(topology.replicaPort())) {
      long killed = newMaster.clientKill(ClientKillParams.clientKillParams()
          .type(ClientType.NORMAL));
      log.info("sentinel soak: CLIENT KILL TYPE normal on the new master closed {}", killed);
    }
    awaitSyncedReplica(topology.masterPort(), topology.replicaPort());
    awaitRunTime(start, seconds * 500);
    failover(topology, topology.masterPort());
    awaitSyncedReplica(topology.replicaPort(), topology.masterPort());
    return 2;
  }

  /** Waits until {@code millis} of the run have passed. */
  private static void awaitRunTime(long start, long millis) {
    long at = start + TimeUnit.MILLISECONDS.toNanos(millis);
    Await.until(Duration.ofMillis(millis + 10_000), millis + " ms into the run",
        () -> System.nanoTime() - at >= 0);
  }

  /**
   * SENTINEL FAILOVER until the sentinel accepts it (it refuses while no replica is fit to
   * promote), then waits until the sentinels name {@code to} as the master.
   */
  private static void failover(SentinelTopology topology, int to) {
    int sentinelPort = topology.sentinelPorts().get(0);
    Await.until(Duration.ofSeconds(20), "a sentinel failover to " + to + " accepted", () -> {
      try (Jedis sentinel = SentinelTopology.jedis(sentinelPort)) {
        sentinel.sentinelFailover(SentinelTopology.MASTER_NAME);
        return true;
      } catch (JedisDataException notYet) {
        log.info("sentinel soak: SENTINEL FAILOVER refused: {}", notYet.getMessage());
        return false;
      }
    });
    Await.until(Duration.ofSeconds(15), "the sentinels name port " + to, () -> {
      try (Jedis sentinel = SentinelTopology.jedis(sentinelPort)) {
        return String.valueOf(to).equals(
            sentinel.sentinelGetMasterAddrByName(SentinelTopology.MASTER_NAME).get(1));
      }
    });
    log.info("sentinel soak: failed over to port {}", to);
  }

  /**
   * Waits until {@code port} replicates {@code masterPort} and has caught up with what the master
   * had written when its link came up: right after a full sync a replica still replays the writes
   * buffered during the transfer, and a promotion then would drop them (replication is
   * asynchronous; no client can prevent that, README says so).
   */
  private static void awaitSyncedReplica(int port, int masterPort) {
    Await.until(Duration.ofSeconds(30), "port " + port + " a replica of " + masterPort,
        () -> {
          try (Jedis old = SentinelTopology.jedis(port)) {
            String replication = old.info("replication");
            return replication.contains("role:slave")
                && replication.contains("master_port:" + masterPort)
                && replication.contains("master_link_status:up");
          }
        });
    long written;
    try (Jedis master = SentinelTopology.jedis(masterPort)) {
      written = infoField(master.info("replication"), "master_repl_offset");
    }
    Await.until(Duration.ofSeconds(10), "port " + port + " caught up with " + masterPort, () -> {
      try (Jedis replica = SentinelTopology.jedis(port)) {
        return infoField(replica.info("replication"), "slave_repl_offset") >= written;
      }
    });
    log.info("sentinel soak: port {} is a synced replica of {}", port, masterPort);
  }

  private static long infoField(String info, String field) {
    for (String line : info.split("\\r?\\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new IllegalStateException(field + " missing from INFO: " + info);
  }
}
