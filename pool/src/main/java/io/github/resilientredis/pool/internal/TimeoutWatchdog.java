package io.github.resilientredis.pool.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One daemon thread per JVM that closes every {@link TimedChannel} whose read or write has passed
 * its deadline. It looks every {@link #TICK_MILLIS} while any channel is open, and sleeps while
 * none is: a pool that was closed leaves no thread waking up.
 *
 * <p>The cost of a read timeout is moved here, off the path of every read: a tick scans the open
 * channels (a volatile read each), which is nothing next to one system call per read saved.
 */
final class TimeoutWatchdog {

  /** How late a timeout may fire: a read with a 2 s timeout fails between 2.000 and ~2.010 s. */
  static final int TICK_MILLIS = 10;
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);

  private static final Set<TimedChannel> OPEN = ConcurrentHashMap.newKeySet();
  private static final Object LOCK = new Object();
  private static Thread thread;

  private TimeoutWatchdog() {}

  static void watch(TimedChannel channel) {
    OPEN.add(channel);
    synchronized (LOCK) {
      if (thread == null) {
        thread = new Thread(TimeoutWatchdog::run, "resilient-redis-timeouts");
        thread.setDaemon(true);
        thread.start();
      } else {
        LOCK.notifyAll();
      }
    }
  }

  static void forget(TimedChannel channel) {
    OPEN.remove(channel);
  }

  private static void run() {
    while (true) {
      synchronized (LOCK) {
        while (OPEN.isEmpty()) {
          try {
            LOCK.wait(); // woken by watch(); nothing to look at until then
          } catch (InterruptedException e) {
            // Nobody interrupts this thread on purpose: keep watching.
          }
        }
      }
      LockSupport.parkNanos(TICK_NANOS);
      long now = System.nanoTime();
      for (TimedChannel channel : OPEN) {
        channel.expireIfLate(now);
      }
    }
  }
}
