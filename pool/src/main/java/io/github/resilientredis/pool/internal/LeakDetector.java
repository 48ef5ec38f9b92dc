package io.github.resilientredis.pool.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a connection held longer than {@code leakDetectionThreshold}, once, with the stack of the
 * code that borrowed it. Only built when the threshold is set: recording a stack per borrow costs.
 */
final class LeakDetector {

  private static final Logger log = LoggerFactory.getLogger(LeakDetector.class);

  private final String poolName;
  private final long thresholdNanos;
  private final Set<PooledConnection> lent = ConcurrentHashMap.newKeySet();

  LeakDetector(String poolName, long thresholdNanos) {
    this.poolName = poolName;
    this.thresholdNanos = thresholdNanos;
  }

  /** A stack to keep with the lent connection: where it was borrowed. */
  Throwable borrowed(PooledConnection connection) {
    lent.add(connection);
    return new Throwable("borrowed here");
  }

  void returned(PooledConnection connection, long nowNanos) {
    if (lent.remove(connection) && connection.leakWasReported()) {
      log.info("{}: the connection reported as leaked was given back after {} ms", poolName,
          (nowNanos - connection.lentAtNanos()) / 1_000_000);
    }
  }

  /** Called by the housekeeper. */
  void report(long nowNanos) {
    for (PooledConnection connection : lent) {
      if (nowNanos - connection.lentAtNanos() >= thresholdNanos && connection.reportLeakOnce()) {
        log.warn("{}: a connection has been borrowed for {} ms, longer than leakDetectionThreshold"
                + " ({} ms). Did you forget to close a pipeline or transaction, or to return from"
                + " withConnection? It was borrowed here:", poolName,
            (nowNanos - connection.lentAtNanos()) / 1_000_000, thresholdNanos / 1_000_000,
            connection.borrowedAt());
      }
    }
  }
}
