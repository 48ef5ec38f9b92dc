package io.github.resilientredis.pool.internal;

import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis can be reached, and when the pool may next try to open a connection.
 *
 * <p>After a failed connect the pool waits a capped, jittered, exponentially growing pause before
 * the next attempt, so that a dead server is not hammered and a returning one is found quickly.
 * Logs one WARN when Redis becomes unreachable and one INFO when it is back, not a line per attempt.
 */
final class ServerHealth {

  private static final Logger log = LoggerFactory.getLogger(ServerHealth.class);

  private final String poolName;
  private final String server;
  private final long backoffMinNanos;
  private final long backoffMaxNanos;

  private int consecutiveFailures;
  private long nextAttemptNanos;
  private long unreachableSinceNanos;
  private Exception lastFailure;

  ServerHealth(String poolName, String server, long backoffMinNanos, long backoffMaxNanos) {
    this.poolName = poolName;
    this.server = server;
    this.backoffMinNanos = backoffMinNanos;
    this.backoffMaxNanos = backoffMaxNanos;
  }

  /**
   * Whether a connect may be tried now. While Redis is unreachable only one attempt is allowed per
   * back-off pause: the caller that gets true is the probe, the others fail fast.
   */
  synchronized boolean claimAttempt(long nowNanos) {
    if (consecutiveFailures == 0) {
      return true;
    }
    if (nowNanos - nextAttemptNanos < 0) {
      return false;
    }
    nextAttemptNanos = nowNanos + currentBackoffNanos();
    return true;
  }

  /** Records a failed connect; returns when the next attempt is allowed. */
  synchronized long onFailure(Exception failure, long nowNanos) {
    lastFailure = failure;
    if (consecutiveFailures++ == 0) {
      unreachableSinceNanos = nowNanos;
      log.warn("{}: Redis at {} is unreachable, retrying in the background: {}", poolName, server,
          failure.getMessage());
    }
    long base = currentBackoffNanos();
    long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    nextAttemptNanos = nowNanos + jittered;
    return nextAttemptNanos;
  }

  /** Records a successful connect. Returns true when it ended an outage. */
  synchronized boolean onSuccess(long nowNanos) {
    if (consecutiveFailures == 0) {
      return false;
    }
    log.info("{}: Redis at {} is reachable again after {} ms and {} failed attempts", poolName,
        server, (nowNanos - unreachableSinceNanos) / 1_000_000, consecutiveFailures);
    consecutiveFailures = 0;
    lastFailure = null;
    return true;
  }

  /** Another server now: its predecessor's failures and back-off no longer apply. */
  synchronized void forgetFailures() {
    consecutiveFailures = 0;
    lastFailure = null;
  }

  synchronized boolean isUnreachable() {
    return consecutiveFailures > 0;
  }

  synchronized Exception lastFailure() {
    return lastFailure;
  }

  synchronized long nextAttemptNanos() {
    return nextAttemptNanos;
  }

  synchronized String describe(long nowNanos) {
    if (consecutiveFailures == 0) {
      return "reachable";
    }
    return "unreachable for " + (nowNanos - unreachableSinceNanos) / 1_000_000 + " ms, "
        + consecutiveFailures + " failed connects, next attempt in "
        + Math.max(0, (nextAttemptNanos - nowNanos) / 1_000_000) + " ms";
  }

  private long currentBackoffNanos() {
    int doublings = Math.min(Math.max(consecutiveFailures - 1, 0), 30);
    long base = backoffMinNanos << doublings;
    return base <= 0 || base > backoffMaxNanos ? backoffMaxNanos : base;
  }
}
