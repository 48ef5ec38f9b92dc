package io.github.resilientredis.pool.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link PoolCore#housekeep(long)} on its own thread, each round scheduled when the previous
 * one says the next is due (OkHttp's cleanup does the same), and opens connections on a second
 * thread so that a slow connect never delays a heartbeat.
 */
final class Housekeeper {

  private static final Logger log = LoggerFactory.getLogger(Housekeeper.class);
  private static final long RETRY_AFTER_ERROR_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String poolName;
  private final PoolCore core;
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService connector;
  /** Only touched on the scheduler thread. */
  private ScheduledFuture<?> nextRound;

  Housekeeper(String poolName, PoolCore core, Ticker ticker) {
    this.poolName = poolName;
    this.core = core;
    this.ticker = ticker;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon(poolName + "-housekeeper"));
    this.connector = Executors.newSingleThreadExecutor(daemon(poolName + "-connector"));
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

  void stop() {
    scheduler.shutdownNow();
    connector.shutdownNow();
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
