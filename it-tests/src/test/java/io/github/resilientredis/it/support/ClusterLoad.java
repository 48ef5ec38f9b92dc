package io.github.resilientredis.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Eight threads of GET, SET and INCR on keys spread over every slot, plus a few keys sharing one
 * hash tag ({@link #TAG}) so that a slot migration has keys to move. Each thread records what it
 * saw: failed reads and writes, acknowledged SETs and INCRs, and the slowest operation.
 */
public final class ClusterLoad {

  public static final String TAG = "{moving}";

  /** One operation against the cluster under test: GET, SET or INCR of a key. */
  public interface Client {
    String get(String key);

    void set(String key, String value);

    long incr(String key);
  }

  private final Client client;
  private final int threads;
  private final String prefix;
  private final List<Thread> workers = new ArrayList<>();
  private final List<AcknowledgedWrites> writes = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, long[]> incrs = new ConcurrentHashMap<>(); // key -> {acked, failed}
  private final AtomicLong ops = new AtomicLong();
  private final AtomicLong failedReads = new AtomicLong();
  private final AtomicLong failedSets = new AtomicLong();
  private final AtomicLong failedIncrs = new AtomicLong();
  private final AtomicLong slowestNanos = new AtomicLong();
  private volatile String slowestWhat = "";
  private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean stop;

  public ClusterLoad(Client client, int threads, String prefix) {
    this.client = client;
    this.threads = threads;
    this.prefix = prefix;
  }

  public void start() {
    for (int t = 0; t < threads; t++) {
      int id = t;
      AcknowledgedWrites mine = new AcknowledgedWrites();
      writes.add(mine);
      Thread worker = new Thread(() -> work(id, mine), prefix + "-load-" + t);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
    awaitMoreOps(200);
  }

  private void work(int id, AcknowledgedWrites mine) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    for (long i = 0; !stop && System.nanoTime() < deadline; i++) {
      String key = (i % 4 == 0 ? TAG : "") + prefix + ":t" + id + ":k" + (i % 40);
      String counter = prefix + ":t" + id + ":c" + (i % 5);
      String value = "v" + i;
      timed("SET " + key, () -> {
        try {
          client.set(key, value);
          mine.ack(key, value);
        } catch (RuntimeException e) {
          mine.unknown(key, value);
          failedSets.incrementAndGet();
          note("SET", e);
        }
      });
      timed("GET " + key, () -> {
        try {
          client.get(key);
        } catch (RuntimeException e) {
          failedReads.incrementAndGet();
          note("GET", e);
        }
      });
      timed("INCR " + counter, () -> {
        long[] counts = incrs.computeIfAbsent(counter, k -> new long[2]);
        try {
          client.incr(counter);
          synchronized (counts) {
            counts[0]++;
          }
        } catch (RuntimeException e) {
          synchronized (counts) {
            counts[1]++;
          }
          failedIncrs.incrementAndGet();
          note("INCR", e);
        }
      });
    }
  }

  private void timed(String what, Runnable op) {
    long start = System.nanoTime();
    op.run();
    long took = System.nanoTime() - start;
    if (slowestNanos.accumulateAndGet(took, Math::max) == took) {
      slowestWhat = what + " started at " + java.time.Instant.now().minusNanos(took);
    }
    ops.incrementAndGet();
  }

  /** Which operation was the slowest, and when it started, for failure messages. */
  public String slowestWhat() {
    return slowestWhat;
  }

  private void note(String op, RuntimeException e) {
    if (errors.size() < 20) {
      errors.add(op + ": " + e);
    }
  }

  /** Waits until the threads have done {@code count} more operations (they are not stuck). */
  public void awaitMoreOps(long count) {
    long target = ops.get() + count;
    Await.until(Duration.ofSeconds(30), count + " more operations", () -> ops.get() >= target);
  }

  /** Stops the threads; each must finish its current operation within the failover timeout. */
  public void stop() throws InterruptedException {
    stop = true;
    for (Thread worker : workers) {
      worker.join(TimeUnit.SECONDS.toMillis(20));
      assertTrue(!worker.isAlive(), worker.getName() + " is stuck");
    }
  }

  public long slowestMillis() {
    return TimeUnit.NANOSECONDS.toMillis(slowestNanos.get());
  }

  public void resetSlowest() {
    slowestNanos.set(0);
  }

  /**
   * No read or SET failed; every acknowledged SET is readable; each counter is between its
   * acknowledged INCRs and those plus the failed ones (a failed INCR may or may not have run).
   */
  public void assertSafe(UnaryOperator<String> read) {
    assertEquals(0, failedReads.get(), "failed reads: " + errors);
    assertEquals(0, failedSets.get(), "failed SETs: " + errors);
    for (AcknowledgedWrites w : writes) {
      w.assertReadable(read);
    }
    incrs.forEach((key, counts) -> {
      String value = read.apply(key);
      long actual = value == null ? 0 : Long.parseLong(value);
      assertTrue(actual >= counts[0] && actual <= counts[0] + counts[1], key + " = " + actual
          + ", acknowledged " + counts[0] + ", failed " + counts[1]);
    });
  }

  public long failedIncrs() {
    return failedIncrs.get();
  }

  public List<String> errors() {
    return List.copyOf(errors);
  }
}
