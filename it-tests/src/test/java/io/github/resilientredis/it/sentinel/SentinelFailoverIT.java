package io.github.resilientredis.it.sentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.FailoverLoad;
import io.github.resilientredis.it.support.SentinelTopology;
import io.github.resilientredis.pool.RedisPool;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * The pool following a real Sentinel failover (redis-server processes: a master, a replica, two
 * sentinels; a fresh set per test, since each test moves the master). The replica's marked values
 * show which server answered each reply.
 */
class SentinelFailoverIT {

  private static final Logger log = LoggerFactory.getLogger(SentinelFailoverIT.class);
  private static final String CLIENT_NAME = "sentinel-it-pool";
  private SentinelTopology topology;
  private RedisPool pool;

  private RedisPool pool(SentinelTopology t) {
    return RedisPool.builder().name("sentinel-it").clientName(CLIENT_NAME)
        .sentinel(SentinelTopology.MASTER_NAME, t.sentinelAddresses())
        .maxTotal(8).borrowTimeout(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void stop() {
    if (pool != null) {
      pool.close();
    }
    if (topology != null) {
      topology.close();
    }
  }

  private static FailoverLoad load(RedisClient client, int threads) {
    return new FailoverLoad(threads, 60_000, new FailoverLoad.Ops() {
      @Override
      public String get(String key) {
        return client.get(key);
      }

      @Override
      public long incr(String key) {
        return client.incr(key);
      }
    });
  }

  @Test
  void sentinelFailoverUnderLoadLosesNoReadAndAlmostNoWrite() throws Exception {
    topology = new SentinelTopology(2);
    pool = pool(topology);
    assertEquals("master", pool.client().get("marker"), "starts on the master the sentinels name");
    try (FailoverLoad.SentinelEvents events =
        new FailoverLoad.SentinelEvents(topology.sentinelPorts().get(0))) {
      FailoverLoad load = load(pool.client(), 8);
      Await.until(Duration.ofSeconds(10), "load running", () -> load.ackedIncrs.get() > 500);
      topology.failover();
      Long switched = Await.result(Duration.ofSeconds(15), "+switch-master",
          () -> events.seen("+switch-master"));
      long oneSecondAfter = switched + TimeUnit.SECONDS.toNanos(1);
      Await.until(Duration.ofSeconds(5), "1 s after the switch",
          () -> System.nanoTime() - oneSecondAfter >= 0);
      long leftOnOldMaster = SentinelTopology.clientsNamed(topology.masterPort(), CLIENT_NAME);
      long onNewMaster = SentinelTopology.clientsNamed(topology.replicaPort(), CLIENT_NAME);
      load.close();
      log.info("failover load: {}", load.summary());

      Long promoted = events.seen("+failover-state-send-slaveof-noone");
      assertNotNull(promoted, "the sentinel published +failover-state-send-slaveof-noone");
      assertEquals(0, load.failedGets.get(), load.summary());
      assertTrue(load.firstReplicaIncrNanos.get() != 0, "the new master served INCRs: "
          + load.summary());
      long firstIncrMillis = TimeUnit.NANOSECONDS.toMillis(
          load.firstReplicaIncrNanos.get() - promoted);
      log.info("first INCR on the new master {} ms after +failover-state-send-slaveof-noone,"
          + " {} ms before +switch-master", firstIncrMillis,
          TimeUnit.NANOSECONDS.toMillis(switched - load.firstReplicaIncrNanos.get()));
      assertTrue(firstIncrMillis <= 200, "first INCR on the new master " + firstIncrMillis
          + " ms after the promotion");
      assertEquals(0, leftOnOldMaster, "pool connections left on the old master 1 s after the"
          + " switch");
      assertTrue(onNewMaster > 0, "the pool's connections are on the new master");

      long applied;
      try (Jedis newMaster = SentinelTopology.jedis(topology.replicaPort())) {
        applied = Long.parseLong(newMaster.get("counter")) - SentinelTopology.REPLICA_OFFSET;
      }
      long acked = load.ackedIncrs.get();
      long failed = load.failedIncrs.get();
      log.info("INCRs acknowledged {}, failed {}, in the new master's counter {}: {} acknowledged"
          + " lost", acked, failed, applied, Math.max(0, acked - applied));
      assertTrue(applied <= acked + failed, "an INCR ran twice: counter " + applied
          + " > acknowledged " + acked + " + failed " + failed);
      long afterPromotion = load.oldMasterIncrsAckedSince(promoted);
      log.info("INCRs the old master acknowledged after the promotion: {}", afterPromotion);
      assertTrue(afterPromotion <= 100, afterPromotion + " INCRs acknowledged by the old master"
          + " after the promotion (lost " + (acked - applied) + " in all; counter " + applied
          + ", acknowledged " + acked + ")");
    }
  }

  @Test
  void killedMasterReadsSucceedAgainWithinDownAfterPlusTwoSeconds() throws Exception {
    // One sentinel: it elects itself at once. With two, the vote adds a round trip and the time
    // it takes them to find each other; the bound is about the pool, not about Sentinel's election.
    topology = new SentinelTopology(1);
    pool = pool(topology);
    FailoverLoad load = load(pool.client(), 4);
    Await.until(Duration.ofSeconds(10), "load running", () -> load.ackedIncrs.get() > 200);
    long killed = System.nanoTime();
    topology.killMaster();
    long bound = SentinelTopology.DOWN_AFTER_MILLIS + 2000;
    Await.until(Duration.ofSeconds(15), "a GET served by the promoted replica",
        () -> load.firstReplicaGetNanos.get() != 0);
    long firstGet = load.firstReplicaGetNanos.get();
    long settled = System.nanoTime();
    Await.until(Duration.ofSeconds(5), "more GETs on the new master",
        () -> load.getsFromReplica.get() > 1000);
    load.close();
    log.info("kill -9: first GET on the new master {} ms after the kill; {}",
        TimeUnit.NANOSECONDS.toMillis(firstGet - killed), load.summary());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(firstGet - killed) <= bound,
        "reads served again " + TimeUnit.NANOSECONDS.toMillis(firstGet - killed)
            + " ms after the kill, more than down-after-milliseconds + 2 s");
    long lastFailure = load.lastFailedGetNanos.get();
    assertTrue(lastFailure == 0 || lastFailure - firstGet <= 0 || lastFailure - settled < 0
        && TimeUnit.NANOSECONDS.toMillis(lastFailure - killed) <= bound,
        "a GET failed after reads were served again: " + load.summary());
  }

  @Test
  void allSentinelsDownThenBackKeepsServingAndFollowsTheNextFailover() throws Exception {
    topology = new SentinelTopology(2);
    pool = pool(topology);
    RedisClient client = pool.client();
    topology.stopSentinel(0);
    topology.stopSentinel(1);
    // With no sentinel to ask, the pool keeps serving the master it knows, for several polls.
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
    long served = 0;
    while (System.nanoTime() - until < 0) {
      assertEquals("master", client.get("marker"));
      assertTrue(client.incr("counter") < SentinelTopology.REPLICA_OFFSET);
      served++;
    }
    assertTrue(served > 100, "served " + served + " GET/INCR pairs with every sentinel down");
    topology.restartSentinel(0);
    topology.restartSentinel(1);
    for (int port : topology.sentinelPorts()) {
      Await.until(Duration.ofSeconds(10), "the pool subscribed again to sentinel " + port,
          () -> subscribedClients(port) > 0);
    }
    FailoverLoad load = load(client, 4);
    Await.until(Duration.ofSeconds(10), "load running", () -> load.ackedIncrs.get() > 200);
    topology.failover();
    Await.until(Duration.ofSeconds(15), "an INCR served by the new master",
        () -> load.firstReplicaIncrNanos.get() != 0);
    load.close();
    log.info("after the sentinels came back: {}", load.summary());
    assertEquals(0, load.failedGets.get(), load.summary());
  }

  /** Clients of a sentinel subscribed to the pool's five patterns. */
  private static long subscribedClients(int sentinelPort) {
    try (Jedis sentinel = SentinelTopology.jedis(sentinelPort)) {
      return sentinel.clientList().lines().filter(line -> line.contains(" psub=5 ")).count();
    }
  }

  @Test
  void aCommandRefusedByADemotedMasterWaitsForTheNewMasterAndRunsThereOnce() throws Exception {
    topology = new SentinelTopology(1);
    pool = pool(topology);
    RedisClient client = pool.client();
    assertTrue(client.incr("counter") < SentinelTopology.REPLICA_OFFSET);
    // A switchover behind Sentinel's back (no event), then the sentinel pointed at the new
    // master by hand (its configuration epoch starts again at 0).
    try (Jedis replica = SentinelTopology.jedis(topology.replicaPort())) {
      replica.replicaofNoOne();
    }
    try (Jedis oldMaster = SentinelTopology.jedis(topology.masterPort())) {
      oldMaster.replicaof("127.0.0.1", topology.replicaPort());
      Await.until(Duration.ofSeconds(10), "the old master is a replica",
          () -> oldMaster.info("replication").contains("role:slave"));
    }
    try (Jedis sentinel = SentinelTopology.jedis(topology.sentinelPorts().get(0))) {
      sentinel.sentinelRemove(SentinelTopology.MASTER_NAME);
      sentinel.sentinelMonitor(SentinelTopology.MASTER_NAME, "127.0.0.1", topology.replicaPort(),
          1);
    }
    long before;
    try (Jedis newMaster = SentinelTopology.jedis(topology.replicaPort())) {
      before = Long.parseLong(newMaster.get("counter"));
    }
    long value = client.incr("counter"); // -READONLY from the old master, or held by the poll
    assertEquals(before + 1, value, "the INCR ran on the new master, once");
    try (Jedis newMaster = SentinelTopology.jedis(topology.replicaPort())) {
      assertEquals(before + 1, Long.parseLong(newMaster.get("counter")));
    }
    assertEquals("replica", client.get("marker"), "reads go to the new master too");
  }
}
