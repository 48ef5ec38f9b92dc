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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * The bridge given a {@code redis-sentinel://} URI (as {@code --redis}/{@code REDIS_URL} takes
 * it) across a real Sentinel failover: the GET and INCR checks of the pool's IT, over HTTP.
 */
class BridgeSentinelIT {

  private static final Logger log = LoggerFactory.getLogger(BridgeSentinelIT.class);
  private static SentinelTopology topology;
  private static RedisHttpBridge bridge;
  private static BridgeHttp http;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    topology = new SentinelTopology(2);
    String uri = "redis-sentinel://" + String.join(",", topology.sentinelAddresses()) + "/"
        + SentinelTopology.MASTER_NAME;
    bridge = RedisHttpBridge.builder().redis(uri).port(0).start();
    http = new BridgeHttp(bridge.url(), null);
  }

  @AfterAll
  static void stop() {
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

  @Test
  void failoverOverHttpLosesNoReadAndDoublesNoWrite() throws Exception {
    assertEquals("{\"GET\":\"master\"}", http.get("/GET/marker").expect(200).body());
    try (FailoverLoad.SentinelEvents events =
        new FailoverLoad.SentinelEvents(topology.sentinelPorts().get(0))) {
      FailoverLoad load = new FailoverLoad(8, 60_000, new FailoverLoad.Ops() {
        @Override
        public String get(String key) {
          return ok(http.post("/", "[\"GET\",\"" + key + "\"]")).json().getAsJsonObject()
              .get("result").getAsString();
        }

        @Override
        public long incr(String key) {
          return ok(http.post("/", "[\"INCR\",\"" + key + "\"]")).json().getAsJsonObject()
              .get("result").getAsLong();
        }
      });
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
      long applied;
      try (Jedis newMaster = SentinelTopology.jedis(topology.replicaPort())) {
        applied = Long.parseLong(newMaster.get("counter")) - SentinelTopology.REPLICA_OFFSET;
      }
      long acked = load.ackedIncrs.get();
      long failed = load.failedIncrs.get();
      assertTrue(applied <= acked + failed, "an INCR ran twice: counter " + applied
          + " > acknowledged " + acked + " + failed " + failed);
      assertTrue(acked - applied <= 100, "lost " + (acked - applied) + " acknowledged INCRs");
    }
  }
}
