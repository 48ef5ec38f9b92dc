package io.github.resilientredis.bridge;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests being handled, and the drain at shutdown: once {@link #drain} starts, new requests are
 * turned away and it waits until the ones in flight have finished. The JDK's own
 * {@code HttpServer.stop(delay)} waits the whole delay on JDK 17 even when nothing is in flight.
 */
final class InFlight {

  private final AtomicInteger count = new AtomicInteger();
  private final Object lock = new Object();
  private volatile boolean draining;

  /** False when draining: the request must be turned away. */
  boolean enter() {
    if (draining) {
      return false;
    }
    count.incrementAndGet();
    if (draining) {
      exit();
      return false;
    }
    return true;
  }

  void exit() {
    if (count.decrementAndGet() == 0 && draining) {
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }

  int count() {
    return count.get();
  }

  /** Turns new requests away and waits up to {@code timeoutNanos}; true when all finished. */
  boolean drain(long timeoutNanos) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (lock) {
      while (count.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        // Bounded wait: a notify that raced ahead of this wait is caught on the next round.
        lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
      }
    }
    return true;
  }
}
