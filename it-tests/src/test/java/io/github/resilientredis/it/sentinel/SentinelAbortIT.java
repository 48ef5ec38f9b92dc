package io.github.resilientredis.it.sentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.FailoverLoad;
import io.github.resilientredis.it.support.SentinelTopology;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * A failover that aborts (real sentinel, real replica): the replica refuses the promotion (its
 * default user may not run REPLICAOF/SLAVEOF, so the sentinel's SLAVEOF NO ONE fails), and after
 * the sentinel's failover-timeout it publishes {@code -failover-abort-slave-timeout}. The pool
 * stops lending at the start of the failover, serves nothing from the old master while the
 * promotion is pending, and resumes the old master at the abort.
 */
class SentinelAbortIT {

  private static final Logger log = LoggerFactory.getLogger(SentinelAbortIT.class);
  private static final int FAILOVER_TIMEOUT_MILLIS = 3000;

  @Test
  void anAbortedFailoverResumesTheOldMaster() throws Exception {
    try (SentinelTopology topology = new SentinelTopology(1);
        RedisPool pool = RedisPool.builder().name("abort-it")
            .sentinel(SentinelTopology.MASTER_NAME, topology.sentinelAddresses())
            .borrowTimeout(Duration.ofSeconds(2)).build()) {
      RedisClient client = pool.client();
      long before = client.incr("counter");
      assertTrue(before < SentinelTopology.REPLICA_OFFSET, "starts on the master");
      try (Jedis sentinel = SentinelTopology.jedis(topology.sentinelPorts().get(0))) {
        sentinel.sentinelSet(SentinelTopology.MASTER_NAME,
            Map.of("failover-timeout", String.valueOf(FAILOVER_TIMEOUT_MILLIS)));
      }
      try (Jedis replica = SentinelTopology.jedis(topology.replicaPort())) {
        replica.aclSetUser("default", "-replicaof", "-slaveof");
      }
      try (FailoverLoad.SentinelEvents events =
          new FailoverLoad.SentinelEvents(topology.sentinelPorts().get(0))) {
        topology.failover();
        Long promoting = Await.result(Duration.ofSeconds(10),
            "+failover-state-send-slaveof-noone",
            () -> events.seen("+failover-state-send-slaveof-noone"));
        // Calls until one is held (the pool hears the event a little after this test may):
        // it fails with the pool's timeout, as the promotion is still pending then.
        long heldStart = 0;
        long heldEnd = 0;
        long giveUp = promoting + TimeUnit.MILLISECONDS.toNanos(FAILOVER_TIMEOUT_MILLIS - 500);
        int servedWhileStarting = 0;
        while (heldEnd == 0 && System.nanoTime() - giveUp < 0) {
          heldStart = System.nanoTime();
          try {
            client.get("marker");
            servedWhileStarting++;
          } catch (RedisPoolException held) {
            heldEnd = System.nanoTime();
            log.info("a call during the pending promotion: {}", held.getMessage());
          }
        }
        assertTrue(heldEnd != 0, "no call was held while the promotion was pending");
        // The next call waits too, until the abort resumes the old master (or times out).
        String nextReply = null;
        try {
          nextReply = client.get("marker");
        } catch (RedisPoolException heldToo) {
          log.info("the next call: {}", heldToo.getMessage());
        }
        long nextEnd = System.nanoTime();
        Long aborted = Await.result(Duration.ofSeconds(FAILOVER_TIMEOUT_MILLIS / 1000 + 15),
            "-failover-abort-slave-timeout", () -> events.seen("-failover-abort-slave-timeout"));
        // The pool and this test hear the abort on two subscriptions, a few ms apart; a call lent
        // to the old master during the pending promotion would return about a second earlier.
        long hearingSkew = TimeUnit.MILLISECONDS.toNanos(100);
        assertTrue(nextReply == null || nextEnd - (aborted - hearingSkew) >= 0, "served "
            + nextReply + " "
            + TimeUnit.NANOSECONDS.toMillis(aborted - nextEnd) + " ms before the abort");
        long resumed = Await.result(Duration.ofSeconds(5), "the pool serves again", () -> {
          try {
            return "master".equals(client.get("marker")) ? System.nanoTime() : null;
          } catch (RedisPoolException stillHeld) {
            return null;
          }
        });
        long resumedMillis = TimeUnit.NANOSECONDS.toMillis(resumed - aborted);
        log.info("abort: {} calls served before the pool heard, held call {} ms, abort {} ms after"
            + " the start, old master serving {} ms after the abort", servedWhileStarting,
            TimeUnit.NANOSECONDS.toMillis(heldEnd - heldStart),
            TimeUnit.NANOSECONDS.toMillis(aborted - promoting), resumedMillis);
        assertTrue(resumedMillis <= 1000, "old master serving " + resumedMillis
            + " ms after the abort");
        long after = client.incr("counter");
        assertEquals(before + 1, after, "INCR on the old master, once");
        try (Jedis replica = SentinelTopology.jedis(topology.replicaPort())) {
          assertTrue(replica.info("replication").contains("role:slave"),
              "the replica was never promoted");
        }
      }
    }
  }
}
