package io.github.resilientredis.bridge;

import java.util.Collection;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one message to a topic's listeners, from more than one thread when they are many. A
 * broadcast to thousands is thousands of socket sends (a direct send is one {@code send(2)}, about
 * 15 µs with the loopback delivery in it): on the hub's thread alone the last listener waits for
 * all the others, 5,000 sends taking 80-100 ms. Helper threads, one per core beyond the first
 * (three at most), take chunks of the same list, so the fan-out runs on several cores.
 *
 * <p>{@link #deliver} returns once every listener has the message, so a topic's next message
 * starts after it: each listener still hears a topic's messages in order. The caller's thread
 * works too and only waits for chunks a helper has taken; a helper busy elsewhere just takes no
 * part.
 */
final class FanOut implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FanOut.class);
  /** Below this many listeners the caller's thread sends alone: waking a helper costs more. */
  static final int MIN_SHARED = 256;
  /** The most helpers: four threads sending already outrun the clients of one machine. */
  static final int MAX_HELPERS = 3;
  /** Listeners per chunk taken at a time. */
  private static final int CHUNK = 32;
  private static final HubListener[] NONE = new HubListener[0];

  private final LinkedBlockingQueue<Job> jobs = new LinkedBlockingQueue<>();
  private final Thread[] helpers;
  private volatile boolean closed;

  /** One message to many listeners: chunks taken by whoever comes, until none is left. */
  private static final class Job {
    final HubListener[] listeners;
    final Message message;
    final Thread owner = Thread.currentThread();
    final AtomicInteger next = new AtomicInteger();
    /** Helpers inside {@link #work}: the owner waits for them once no chunk is left. */
    final AtomicInteger working = new AtomicInteger();

    Job(HubListener[] listeners, Message message) {
      this.listeners = listeners;
      this.message = message;
    }

    void work() {
      for (int from; (from = next.getAndAdd(CHUNK)) < listeners.length; ) {
        int to = Math.min(from + CHUNK, listeners.length);
        for (int i = from; i < to; i++) {
          send(listeners[i], message);
        }
      }
    }

    /** A helper's part: counted in before it takes a chunk, so the owner cannot miss it. */
    void help() {
      working.incrementAndGet();
      try {
        work();
      } finally {
        if (working.decrementAndGet() == 0) {
          LockSupport.unpark(owner); // a spare permit at worst: the owner's parks loop
        }
      }
    }
  }

  /** {@code helpers} threads beside the callers' own (0: every fan-out on the caller's thread). */
  FanOut(int helpers) {
    this.helpers = new Thread[helpers];
    for (int i = 0; i < helpers; i++) {
      Thread t = new Thread(this::helperLoop, "bridge-fan-out-" + i);
      t.setDaemon(true);
      this.helpers[i] = t;
      t.start();
    }
  }

  /** One helper per core beyond the first, {@link #MAX_HELPERS} at most. */
  static FanOut forThisMachine() {
    int cores = Runtime.getRuntime().availableProcessors();
    return new FanOut(Math.max(0, Math.min(MAX_HELPERS, cores - 1)));
  }

  /**
   * Calls {@link HubListener#message} for every listener (on this thread, and on helpers when
   * there are {@link #MIN_SHARED} or more), then {@link HubListener#settle} for every listener on
   * this thread; returns when all are done.
   */
  void deliver(Collection<HubListener> listeners, Message message) {
    if (helpers.length == 0 || listeners.size() < MIN_SHARED) {
      for (HubListener listener : listeners) {
        send(listener, message);
      }
    } else {
      Job job = new Job(listeners.toArray(NONE), message);
      int wanted = Math.min(helpers.length, job.listeners.length / MIN_SHARED);
      for (int i = 0; i < wanted; i++) {
        jobs.add(job);
      }
      job.work();
      while (job.working.get() != 0) {
        LockSupport.park(this);
      }
    }
    for (HubListener listener : listeners) {
      listener.settle();
    }
  }

  /** One listener's failure is its own: the others still get the message. */
  private static void send(HubListener listener, Message message) {
    try {
      listener.message(message);
    } catch (RuntimeException e) {
      LOG.warn("a held request failed to take a message: {}", e.toString());
    }
  }

  private void helperLoop() {
    while (!closed) {
      try {
        jobs.take().help();
      } catch (InterruptedException e) {
        return; // closing
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread helper : helpers) {
      helper.interrupt();
    }
  }
}
