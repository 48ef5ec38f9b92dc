package io.github.resilientredis.pool.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Holds borrowers while the master is being switched. Open costs one volatile read per borrow;
 * closed, borrowers wait until it opens or their deadline passes.
 */
final class MasterGate {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition opened = lock.newCondition();
  private volatile boolean open;

  boolean isOpen() {
    return open;
  }

  void set(boolean open) {
    lock.lock();
    try {
      this.open = open;
      if (open) {
        opened.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits until open; false when {@code deadlineNanos} (on {@code ticker}) passed first. */
  boolean await(long deadlineNanos, Ticker ticker) throws InterruptedException {
    if (open) {
      return true;
    }
    lock.lock();
    try {
      while (!open) {
        long remaining = deadlineNanos - ticker.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        opened.await(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
