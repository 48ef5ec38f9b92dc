package io.github.resilientredis.pool.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One command's tries on a cluster: the deadline past which it stops waiting for a failover or a
 * slot move, and the growing, jittered pause between tries.
 */
final class ClusterAttempt {

  private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** Short: a promoted replica must be used within a few hundred ms of the promotion. */
  private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Ticker ticker;
  private final long deadlineNanos;
  private long pauseNanos = FIRST_PAUSE_NANOS;
  private int redirects;

  ClusterAttempt(Ticker ticker, long waitNanos) {
    this.ticker = ticker;
    this.deadlineNanos = ticker.nanoTime() + waitNanos;
  }

  /**
   * Sleeps before the next try; false (without sleeping) once the deadline would pass. Throws
   * nothing on interrupt: the interrupt flag stays set and the caller gives up.
   */
  boolean pause() {
    long left = deadlineNanos - ticker.nanoTime();
    if (left <= 0 || Thread.currentThread().isInterrupted()) {
      return false;
    }
    long pause = Math.min(left, pauseNanos / 2
        + ThreadLocalRandom.current().nextLong(pauseNanos / 2 + 1));
    pauseNanos = Math.min(MAX_PAUSE_NANOS, pauseNanos * 2);
    LockSupport.parkNanos(pause);
    return !Thread.currentThread().isInterrupted();
  }

  /** Counts a redirect; after a few in a row (a slot map still settling) the next one waits. */
  boolean redirected() {
    return ++redirects <= 3 || pause();
  }
}
