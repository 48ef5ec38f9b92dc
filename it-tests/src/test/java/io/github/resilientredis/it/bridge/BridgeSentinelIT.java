package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.bridge.BridgeHttp.Reply;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.FailoverLoad;
import io.github.resilientredis.it.support.SentinelTopology;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * The bridge given a {@code redis-sentinel://} URI (as {@code --redis}/{@code REDIS_URL} takes
 * it) across a real Sentinel failover: the GET and INCR checks of the pool's IT, over HTTP, with
 * single commands auto-pipelined (the default two lanes).
 */
class BridgeSentinelIT {

  private static final Logger log = LoggerFactory.getLogger(BridgeSentinelIT.class);
  private SentinelTopology topology;
  private RedisHttpBridge bridge;
  private BridgeHttp http;
  /** INCRs the bridge answered with Redis's -READONLY (a demoted master's refusal). */
  private final AtomicLong readOnlyIncrs = new AtomicLong();

  @BeforeEach
  void start() {
    BridgeHttp.init();
    topology = new SentinelTopology(2);
    String uri = "redis-sentinel://" + String.join(",", topology.sentinelAddresses()) + "/"
        + SentinelTopology.MASTER_NAME;
    bridge = RedisHttpBridge.builder().redis(uri).port(0).start();
    http = new BridgeHttp(bridge.url(), null);
  }

  @AfterEach
  void stop() {
    if (bridge != null) {
      bridge.close();
    }
    if (topology != null) {
      topology.close();
    }
  }

  private static Reply ok(Reply reply) {
    if (reply.status() != 200) {
      throw new IllegalStateException("HTTP " + reply);
    }
    return reply;
  }

  /** GET and INCR as single commands over HTTP (POST /), the ones the bridge auto-pipelines. */
  private FailoverLoad.Ops overHttp() {
    return new FailoverLoad.Ops() {
      @Override
      public String get(String key) {
        return ok(http.post("/", "[\"GET\",\"" + key + "\"]")).json().getAsJsonObject()
            .get("result").getAsString();
      }

      @Override
      public long incr(String key) {
        Reply reply = http.post("/", "[\"INCR\",\"" + key + "\"]");
        if (reply.status() != 200 && reply.toString().contains("READONLY")) {
          readOnlyIncrs.incrementAndGet();
        }
        return ok(reply).json().getAsJsonObject().get("result").getAsLong();
      }
    };
  }

  /**
   * Acknowledged INCRs none doubled (counter <= acknowledged + failed); at most 100 acknowledged by
   * the old master after the promotion (lost through the client). Those the old master
   * acknowledged before it and the replica had not yet received are asynchronous replication's
   * loss, which no client prevents: they are logged, not counted against the bridge.
   */
  private void assertCounterOnNewMaster(FailoverLoad load, long promotedNanos) {
    long applied;
    try (Jedis newMaster = SentinelTopology.jedis(topology.replicaPort())) {
      applied = Long.parseLong(newMaster.get("counter")) - SentinelTopology.REPLICA_OFFSET;
    }
    long acked = load.ackedIncrs.get();
    long failed = load.failedIncrs.get();
    log.info("counter on the new master {}, acknowledged {}, failed {}", applied, acked, failed);
    assertTrue(applied <= acked + failed, "an INCR ran twice: counter " + applied
        + " > acknowledged " + acked + " + failed " + failed);
    long afterPromotion = load.oldMasterIncrsAckedSince(promotedNanos);
    log.info("lost {} acknowledged INCRs in all, {} acknowledged by the old master after the"
        + " promotion", Math.max(0, acked - applied), afterPromotion);
    assertTrue(afterPromotion <= 100, afterPromotion + " INCRs acknowledged by the old master after"
        + " the promotion (lost " + (acked - applied) + " in all)");
  }

  @Test
  void failoverOverHttpLosesNoReadAndDoublesNoWrite() throws Exception {
    assertEquals("{\"GET\":\"master\"}", http.get("/GET/marker").expect(200).body());
    try (FailoverLoad.SentinelEvents events =
        new FailoverLoad.SentinelEvents(topology.sentinelPorts().get(0))) {
      FailoverLoad load = new FailoverLoad(8, 60_000, overHttp());
      Await.until(Duration.ofSeconds(10), "load running", () -> load.ackedIncrs.get() > 200);
      topology.failover();
      Long switched = Await.result(Duration.ofSeconds(15), "+switch-master",
          () -> events.seen("+switch-master"));
      long after = switched + TimeUnit.MILLISECONDS.toNanos(500);
      Await.until(Duration.ofSeconds(5), "0.5 s after the switch",
          () -> System.nanoTime() - after >= 0);
      load.close();
      log.info("bridge failover load: {}", load.summary());
      Long promoted = events.seen("+failover-state-send-slaveof-noone");
      assertEquals(0, load.failedGets.get(), load.summary());
      assertTrue(load.firstReplicaIncrNanos.get() != 0, load.summary());
      long firstIncrMillis = TimeUnit.NANOSECONDS.toMillis(
          load.firstReplicaIncrNanos.get() - promoted);
      log.info("bridge: first INCR on the new master {} ms after the promotion", firstIncrMillis);
      assertTrue(firstIncrMillis <= 200, "first INCR on the new master " + firstIncrMillis + " ms"
          + " after the promotion");
      assertEquals(0, readOnlyIncrs.get(), "INCRs answered -READONLY: " + load.summary());
      assertCounterOnNewMaster(load, promoted);
    }
  }

  /**
   * A master demoted behind Sentinel's back while auto-pipelined batches wait on it: the old
   * master's writes are paused (CLIENT PAUSE WRITE) with INCRs queued in batches, the caught-up
   * replica is promoted and the old master made its replica, then the pause ends. The queued INCRs
   * get -READONLY from the demoted master (it ran nothing); each waits for the new master and runs
   * there once, so no HTTP client sees the refusal and no acknowledged INCR is lost.
   */
  @Test
  void batchedCommandsRefusedByADemotedMasterRunOnTheNewMaster() throws Exception {
    assertEquals("{\"GET\":\"master\"}", http.get("/GET/marker").expect(200).body());
    try (Jedis oldMaster = SentinelTopology.jedis(topology.masterPort());
        Jedis replica = SentinelTopology.jedis(topology.replicaPort())) {
      FailoverLoad load = new FailoverLoad(8, 60_000, overHttp());
      Await.until(Duration.ofSeconds(10), "load running", () -> load.ackedIncrs.get() > 200);
      oldMaster.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "PAUSE", "10000",
          "WRITE");
      Await.until(Duration.ofSeconds(10), "INCRs queued behind the pause",
          () -> blockedClients(oldMaster) > 0);
      Await.until(Duration.ofSeconds(10), "the replica caught up",
          () -> replOffset(replica) == replOffset(oldMaster));
      long promotedAt = System.nanoTime();
      replica.replicaofNoOne();
      oldMaster.replicaof("127.0.0.1", topology.replicaPort());
      try (Jedis sentinel = SentinelTopology.jedis(topology.sentinelPorts().get(0))) {
        sentinel.sentinelRemove(SentinelTopology.MASTER_NAME);
        sentinel.sentinelMonitor(SentinelTopology.MASTER_NAME, "127.0.0.1",
            topology.replicaPort(), 1);
      }
      try (Jedis sentinel = SentinelTopology.jedis(topology.sentinelPorts().get(1))) {
        sentinel.sentinelRemove(SentinelTopology.MASTER_NAME);
        sentinel.sentinelMonitor(SentinelTopology.MASTER_NAME, "127.0.0.1",
            topology.replicaPort(), 1);
      }
      long refusedBefore = rejectedReadOnly(oldMaster);
      oldMaster.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "UNPAUSE");
      Await.until(Duration.ofSeconds(10), "INCRs served by the new master",
          () -> load.firstReplicaIncrNanos.get() != 0);
      long servedThere = load.ackedIncrs.get();
      Await.until(Duration.ofSeconds(10), "more INCRs after the switch",
          () -> load.ackedIncrs.get() > servedThere + 200);
      load.close();
      long refused = rejectedReadOnly(oldMaster) - refusedBefore;
      log.info("bridge, demoted master: {}; -READONLY replies from the old master {}",
          load.summary(), refused);
      assertTrue(refused > 0, "the demoted master refused nothing: the test did not test");
      assertEquals(0, load.failedGets.get(), load.summary());
      assertEquals(0, readOnlyIncrs.get(), "INCRs answered -READONLY: " + load.summary());
      assertEquals(0, load.failedIncrs.get(), load.summary());
      assertCounterOnNewMaster(load, promotedAt);
      long applied;
      try (Jedis newMaster = SentinelTopology.jedis(topology.replicaPort())) {
        applied = Long.parseLong(newMaster.get("counter")) - SentinelTopology.REPLICA_OFFSET;
      }
      assertEquals(load.ackedIncrs.get(), applied, "every acknowledged INCR ran once");
    }
  }

  private static long blockedClients(Jedis jedis) {
    return infoField(jedis.info("clients"), "blocked_clients");
  }

  private static long replOffset(Jedis jedis) {
    return infoField(jedis.info("replication"), "master_repl_offset");
  }

  /** Commands the server refused with -READONLY (INFO errorstats). */
  private static long rejectedReadOnly(Jedis jedis) {
    String stats = jedis.info("errorstats");
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("errorstat_READONLY:count=")) {
        return Long.parseLong(line.substring("errorstat_READONLY:count=".length()).split(",")[0]);
      }
    }
    return 0;
  }

  private static long infoField(String info, String field) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new IllegalStateException(field + " missing from INFO: " + info);
  }
}
