package io.github.resilientredis.pool.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The background threads of one or more pools: a scheduler that runs housekeeping rounds
 * (heartbeats, retirement, refills) and connector threads that open connections, so that a slow
 * connect never delays a heartbeat. A {@code RedisPool} owns a pair of its own; the pools of a
 * cluster's nodes share one set, so the thread count does not grow with the number of nodes.
 */
public final class HousekeepingThreads {

  private final ScheduledThreadPoolExecutor scheduler;
  private final ThreadPoolExecutor connector;

  /** {@code connectors} threads open connections, one at a time each. */
  public HousekeepingThreads(String namePrefix, int connectors) {
    this.scheduler = new ScheduledThreadPoolExecutor(1, daemon(namePrefix + "-housekeeper"));
    // A pool that closed leaves its next round cancelled; drop it instead of keeping it queued.
    scheduler.setRemoveOnCancelPolicy(true);
    this.connector = new ThreadPoolExecutor(connectors, connectors, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), daemon(namePrefix + "-connector"));
  }

  ScheduledThreadPoolExecutor scheduler() {
    return scheduler;
  }

  ExecutorService connector() {
    return connector;
  }

  /** Stops every thread; the pools using them must be closed first. */
  public void shutdown() {
    scheduler.shutdownNow();
    connector.shutdownNow();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger number = new AtomicInteger();
    return runnable -> {
      int n = number.incrementAndGet();
      Thread thread = new Thread(runnable, n == 1 ? name : name + "-" + n);
      thread.setDaemon(true);
      return thread;
    };
  }
}
