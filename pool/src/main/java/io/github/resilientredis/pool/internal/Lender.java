package io.github.resilientredis.pool.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The pool's bounded channel: idle items, the count of items that exist, and the borrowers waiting
 * in arrival order. Generic over what it lends (the pool lends {@code PooledConnection}s), so it
 * knows nothing of Redis or sockets and is tested with plain objects; every operation is a short
 * critical section under one lock, and no I/O ever happens while it is held.
 *
 * <p>Idle items are reused last-in first-out, so a busy pool keeps lending the connections it used
 * a moment ago (which need no check) and the rest stay idle long enough to be pinged.
 */
final class Lender<T extends Grant> {

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<T> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final int maxTotal;
  /** Lent to borrowers, reserved for a heartbeat, or being opened by a borrower. */
  private int lent;
  /** Being opened in the background, for no borrower in particular. */
  private int opening;
  private boolean closed;

  Lender(int maxTotal) {
    this.maxTotal = maxTotal;
  }

  /**
   * An idle item, a new slot (the caller must open one, or call {@link #discard}),
   * or a fresh {@link Waiter} already queued. Null when closed.
   */
  Grant acquire() {
    lock.lock();
    try {
      if (closed) {
        return null;
      }
      if (waiters.isEmpty()) {
        T item = idle.pollLast();
        if (item != null) {
          lent++;
          return item;
        }
        if (total() < maxTotal) {
          lent++;
          return Grant.NewSlot.INSTANCE;
        }
      }
      Waiter waiter = new Waiter();
      waiters.addLast(waiter);
      return waiter;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Withdraws a waiter that gave up. Returns a grant it was handed meanwhile (the caller now owns
   * it), or null.
   */
  Grant withdraw(Waiter waiter) {
    lock.lock();
    try {
      if (waiters.remove(waiter)) {
        return null;
      }
      return waiter.isSettled() ? waiter.settled() : null;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A healthy item comes back: to the first waiter, else to the idle queue. Returns false when
   * the pool is closed: the caller must close it.
   */
  boolean giveBack(T item) {
    lock.lock();
    try {
      if (closed) {
        lent--;
        return false;
      }
      Waiter waiter = waiters.pollFirst();
      if (waiter != null) {
        waiter.hand(item);
        return true;
      }
      lent--;
      idle.addLast(item);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A lent item (or an unopened slot) is gone. Its room goes to the first waiter as a new
   * slot, so that a waiter never waits for an item that will not come back.
   */
  void discard() {
    lock.lock();
    try {
      Waiter waiter = closed ? null : waiters.pollFirst();
      if (waiter != null) {
        waiter.hand(Grant.NewSlot.INSTANCE);
      } else {
        lent--;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Reserves up to {@code wanted} slots for background opening; returns how many it got. */
  int reserveForOpening(int wanted) {
    lock.lock();
    try {
      if (closed) {
        return 0;
      }
      int granted = Math.max(0, Math.min(wanted, maxTotal - total()));
      opening += granted;
      return granted;
    } finally {
      lock.unlock();
    }
  }

  /** An item opened in the background: to the first waiter, else idle. False when closed. */
  boolean addOpened(T item) {
    lock.lock();
    try {
      opening--;
      if (closed) {
        return false;
      }
      Waiter waiter = waiters.pollFirst();
      if (waiter != null) {
        lent++;
        waiter.hand(item);
      } else {
        idle.addLast(item);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** A background opening failed or was abandoned. */
  void cancelOpening(int count) {
    lock.lock();
    try {
      opening -= count;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes out of circulation the idle connections that {@code selected} picks, oldest first, while
   * more than {@code keepIdle} stay idle: they count as lent until given back or discarded.
   */
  List<T> reserveIdleWhere(Predicate<T> selected, int keepIdle) {
    lock.lock();
    try {
      List<T> reserved = null;
      for (Iterator<T> it = idle.iterator(); it.hasNext() && idle.size() > keepIdle; ) {
        T item = it.next();
        if (selected.test(item)) {
          it.remove();
          lent++;
          if (reserved == null) {
            reserved = new ArrayList<>();
          }
          reserved.add(item);
        }
      }
      return reserved == null ? List.of() : reserved;
    } finally {
      lock.unlock();
    }
  }

  /** The earliest value of {@code dueTime} over idle connections, or {@code Long.MAX_VALUE}. */
  long earliestIdle(ToLongFunction<T> dueTime) {
    lock.lock();
    try {
      long earliest = Long.MAX_VALUE;
      for (T item : idle) {
        earliest = Math.min(earliest, dueTime.applyAsLong(item));
      }
      return earliest;
    } finally {
      lock.unlock();
    }
  }

  /** Fails every waiter at once, e.g. when Redis cannot be reached. */
  void failWaiters(RuntimeException cause) {
    lock.lock();
    try {
      for (Waiter waiter; (waiter = waiters.pollFirst()) != null; ) {
        waiter.fail(cause);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Closes the lender: returns the idle connections (to close) and fails every waiter. */
  List<T> close(RuntimeException cause) {
    lock.lock();
    try {
      closed = true;
      List<T> drained = new ArrayList<>(idle);
      idle.clear();
      for (Waiter waiter; (waiter = waiters.pollFirst()) != null; ) {
        waiter.fail(cause);
      }
      return drained;
    } finally {
      lock.unlock();
    }
  }

  /** Idle connections wanted to reach {@code minIdle}, counting those already being opened. */
  int idleDeficit(int minIdle) {
    lock.lock();
    try {
      return closed ? 0 : Math.max(0, minIdle - idle.size() - opening);
    } finally {
      lock.unlock();
    }
  }

  Counts counts() {
    lock.lock();
    try {
      return new Counts(total(), idle.size(), lent, waiters.size());
    } finally {
      lock.unlock();
    }
  }

  private int total() {
    return idle.size() + lent + opening;
  }

  /** A consistent snapshot of the lender's counts. */
  record Counts(int total, int idle, int active, int waiting) {
    @Override
    public String toString() {
      return "total=" + total + ", idle=" + idle + ", active=" + active + ", waiting=" + waiting;
    }
  }
}
