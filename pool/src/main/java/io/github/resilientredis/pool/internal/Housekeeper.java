package io.github.resilientredis.pool.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link PoolCore#housekeep(long)} on its own thread, each round scheduled when the previous
 * one says the next is due (OkHttp's cleanup does the same), and opens connections on a second
 * thread so that a slow connect never delays a heartbeat. The threads are its own, or shared with
 * other pools ({@link HousekeepingThreads}); shared ones outlive this housekeeper.
 */
final class Housekeeper {

  private static final Logger log = LoggerFactory.getLogger(Housekeeper.class);
  private static final long RETRY_AFTER_ERROR_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String poolName;
  private final PoolCore core;
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService connector;
  /** Null when the threads are this pool's own, to stop with it. */
  private final HousekeepingThreads owned;
  /** Only touched on the scheduler thread. */
  private ScheduledFuture<?> nextRound;

  /** With {@code shared} null, the pool gets two threads of its own. */
  Housekeeper(String poolName, PoolCore core, Ticker ticker, HousekeepingThreads shared) {
    this.poolName = poolName;
    this.core = core;
    this.ticker = ticker;
    this.owned = shared == null ? new HousekeepingThreads(poolName, 1) : null;
    HousekeepingThreads threads = shared == null ? owned : shared;
    this.scheduler = threads.scheduler();
    this.connector = threads.connector();
  }

  void start() {
    wakeUp();
  }

  /** Runs a round as soon as possible, e.g. after a connection was discarded. */
  void wakeUp() {
    try {
      scheduler.execute(this::runRound);
    } catch (RejectedExecutionException closing) {
      // The pool is closing: no more rounds.
    }
  }

  void connectInBackground(Runnable task) {
    try {
      connector.execute(task);
    } catch (RejectedExecutionException closing) {
      // The pool is closing.
    }
  }

  private void runRound() {
    long delayNanos;
    try {
      delayNanos = core.housekeep(ticker.nanoTime());
    } catch (RuntimeException | Error e) {
      log.error("{}: housekeeping failed, trying again in 1 s", poolName, e);
      delayNanos = RETRY_AFTER_ERROR_NANOS;
    }
    if (nextRound != null) {
      nextRound.cancel(false);
      nextRound = null;
    }
    if (delayNanos >= 0) {
      try {
        nextRound = scheduler.schedule(this::runRound, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closing) {
        // The pool is closing.
      }
    }
  }

  /** Stops own threads; on shared ones the next round finds the pool closed and ends there. */
  void stop() {
    if (owned != null) {
      owned.shutdown();
    } else {
      wakeUp();
    }
  }
}
