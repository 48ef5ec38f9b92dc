package io.github.resilientredis.pool.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * A borrower parked in the lender's queue until it is handed a connection, a new slot or a
 * failure. Fields are written once, under the lender's lock, then the thread is unparked.
 */
final class Waiter implements Grant {

  private final Thread thread = Thread.currentThread();
  private volatile Grant handed;
  private volatile RuntimeException failure;

  /** Under the lender's lock. */
  void hand(Grant grant) {
    handed = grant;
    LockSupport.unpark(thread);
  }

  /** Under the lender's lock. */
  void fail(RuntimeException cause) {
    failure = cause;
    LockSupport.unpark(thread);
  }

  boolean isSettled() {
    return handed != null || failure != null;
  }

  /**
   * Parks until settled or the deadline passes. Returns the grant, or null on timeout (the caller
   * then withdraws under the lock, where a late grant may still be found).
   */
  Grant await(long deadlineNanos, Ticker ticker) throws InterruptedException {
    while (!isSettled()) {
      long remaining = deadlineNanos - ticker.nanoTime();
      if (remaining <= 0) {
        return null;
      }
      LockSupport.parkNanos(this, remaining);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
    return settled();
  }

  /** The grant, or throws the failure. */
  Grant settled() {
    RuntimeException cause = failure;
    if (cause != null) {
      throw cause;
    }
    return handed;
  }
}
