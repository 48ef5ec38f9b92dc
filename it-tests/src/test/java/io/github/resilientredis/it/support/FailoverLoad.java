package io.github.resilientredis.it.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;

/**
 * Threads looping GET marker and INCR counter against a {@link SentinelTopology} through some
 * client, recording what each reply says about the server that answered it, and when. Bounded:
 * every thread stops by itself after {@code maxDuration}.
 */
public final class FailoverLoad implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FailoverLoad.class);

  /** The client under test. */
  public interface Ops {
    String get(String key);

    long incr(String key);
  }

  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stop;
  public final AtomicLong getsFromMaster = new AtomicLong();
  public final AtomicLong getsFromReplica = new AtomicLong();
  public final AtomicLong failedGets = new AtomicLong();
  public final AtomicLong ackedIncrs = new AtomicLong();
  public final AtomicLong failedIncrs = new AtomicLong();
  /** System.nanoTime of the first INCR the promoted replica answered; 0 until then. */
  public final AtomicLong firstReplicaIncrNanos = new AtomicLong();
  /** System.nanoTime of every INCR the old master acknowledged, to tell when they happened. */
  private final ConcurrentLinkedQueue<Long> oldMasterIncrNanos = new ConcurrentLinkedQueue<>();
  /** System.nanoTime of the last failed GET; 0 if none. */
  public final AtomicLong lastFailedGetNanos = new AtomicLong();
  /** System.nanoTime of the first GET the promoted replica answered; 0 until then. */
  public final AtomicLong firstReplicaGetNanos = new AtomicLong();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

  public FailoverLoad(int threadCount, long maxDurationMillis, Ops ops) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxDurationMillis);
    for (int i = 0; i < threadCount; i++) {
      Thread thread = new Thread(() -> {
        while (!stop && System.nanoTime() - deadline < 0) {
          loopOnce(ops);
        }
      }, "failover-load-" + i);
      thread.setDaemon(true);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
  }

  private void loopOnce(Ops ops) {
    try {
      String marker = ops.get("marker");
      if ("replica".equals(marker)) {
        getsFromReplica.incrementAndGet();
        firstReplicaGetNanos.compareAndSet(0, System.nanoTime());
      } else {
        getsFromMaster.incrementAndGet();
      }
    } catch (RuntimeException e) {
      failedGets.incrementAndGet();
      lastFailedGetNanos.set(System.nanoTime());
      note("GET", e);
    }
    try {
      long value = ops.incr("counter");
      long now = System.nanoTime();
      ackedIncrs.incrementAndGet();
      if (value >= SentinelTopology.REPLICA_OFFSET) {
        firstReplicaIncrNanos.compareAndSet(0, now);
      } else {
        oldMasterIncrNanos.add(now);
      }
    } catch (RuntimeException e) {
      failedIncrs.incrementAndGet();
      note("INCR", e);
    }
  }

  private void note(String what, RuntimeException e) {
    if (failures.size() < 10) {
      failures.add(what + ": " + e);
    }
  }

  /**
   * INCRs the old master acknowledged at or after {@code nanos} (System.nanoTime): after the
   * promotion, each is a write the client sent to a master it should have left, lost with it.
   * Those acknowledged before it and missing from the new master were not replicated in time:
   * asynchronous replication loses them whatever the client does.
   */
  public long oldMasterIncrsAckedSince(long nanos) {
    return oldMasterIncrNanos.stream().filter(t -> t - nanos >= 0).count();
  }

  public String summary() {
    return "GETs master/replica/failed " + getsFromMaster + "/" + getsFromReplica + "/" + failedGets
        + ", INCRs acked/failed " + ackedIncrs + "/" + failedIncrs + ", first failures " + failures;
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  /** Records when a sentinel published each event (System.nanoTime of receipt). */
  public static final class SentinelEvents implements AutoCloseable {
    private final ConcurrentHashMap<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final JedisPubSub subscriber = new JedisPubSub() {
      @Override
      public void onPMessage(String pattern, String channel, String message) {
        firstSeen.putIfAbsent(channel, System.nanoTime());
        log.info("sentinel event {} {}", channel, message);
      }
    };
    private final Thread thread;

    public SentinelEvents(int sentinelPort) {
      thread = new Thread(() -> {
        try (var jedis = SentinelTopology.jedis(sentinelPort)) {
          jedis.psubscribe(subscriber, "*");
        } catch (RuntimeException e) {
          // closed
        }
      }, "sentinel-events");
      thread.setDaemon(true);
      thread.start();
      Await.until(java.time.Duration.ofSeconds(10), "subscribed to sentinel events",
          subscriber::isSubscribed);
    }

    /** When {@code channel} was first seen, or null. */
    public Long seen(String channel) {
      return firstSeen.get(channel);
    }

    @Override
    public void close() {
      if (subscriber.isSubscribed()) {
        subscriber.punsubscribe();
      }
    }
  }
}
