package io.github.resilientredis.pool.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** The pauses of a caller waiting for Redis to finish loading: 10 ms doubling to 200 ms, jittered. */
final class LoadingWait {

  private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final Ticker ticker;
  private final long deadlineNanos;
  private long pauseNanos = FIRST_PAUSE_NANOS;

  LoadingWait(long budgetNanos, Ticker ticker) {
    this.ticker = ticker;
    this.deadlineNanos = ticker.nanoTime() + budgetNanos;
  }

  /** Sleeps before the next try; false (without sleeping) when the next try would be too late. */
  boolean pause() {
    long sleep = pauseNanos / 2 + ThreadLocalRandom.current().nextLong(pauseNanos / 2 + 1);
    if (ticker.nanoTime() + sleep - deadlineNanos > 0) {
      return false;
    }
    LockSupport.parkNanos(sleep);
    pauseNanos = Math.min(MAX_PAUSE_NANOS, pauseNanos * 2);
    return !Thread.currentThread().isInterrupted();
  }
}
