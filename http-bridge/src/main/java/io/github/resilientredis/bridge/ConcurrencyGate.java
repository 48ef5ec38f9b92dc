package io.github.resilientredis.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the requests handled at once ({@code max-concurrent}) and those waiting for a turn
 * ({@code max-queued}) when a thread per task runs them (virtual threads, or a server that keeps
 * a thread per connection), where the executor no longer does. A request beyond both gets 503
 * with a JSON error and {@code Connection: close}.
 *
 * <p>A request that is going to wait a long time for Redis's news (a subscription stream, a long
 * poll) gives its turn back early with {@link HttpCall#releaseSlot()}, so held requests never
 * starve the others. The turn is kept in a thread local, not in an exchange attribute: both the
 * JDK's server and robaho's store exchange attributes in the context's one map, shared by every
 * request (so one request could release another's turn).
 */
final class ConcurrencyGate implements HttpHandler {

  /** The turn of the request this thread is handling; the handler runs on the gate's thread. */
  private static final ThreadLocal<Slot> CURRENT = new ThreadLocal<>();

  private final HttpHandler next;
  private final Semaphore turns;
  private final AtomicInteger waiting = new AtomicInteger();
  private final int maxQueued;
  private final Metrics metrics;

  ConcurrencyGate(HttpHandler next, int maxConcurrent, int maxQueued, Metrics metrics) {
    this.next = next;
    this.turns = new Semaphore(maxConcurrent);
    this.maxQueued = maxQueued;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    if (!turns.tryAcquire()) {
      if (waiting.incrementAndGet() > maxQueued) {
        waiting.decrementAndGet();
        refuse(exchange);
        return;
      }
      try {
        turns.acquire();
      } catch (InterruptedException e) {
        // The server is stopping.
        Thread.currentThread().interrupt();
        exchange.close();
        return;
      } finally {
        waiting.decrementAndGet();
      }
    }
    Slot slot = new Slot(turns);
    CURRENT.set(slot);
    try {
      next.handle(exchange);
    } finally {
      CURRENT.remove();
      slot.release();
    }
  }

  /**
   * Gives back the turn of the request this thread is handling, if it holds one; nothing
   * otherwise. Call it from the request's own thread.
   */
  static void releaseCurrent() {
    Slot slot = CURRENT.get();
    if (slot != null) {
      slot.release();
    }
  }

  private void refuse(HttpExchange exchange) throws IOException {
    metrics.rejectedConnection();
    try (exchange) {
      HttpCall call = new HttpCall(exchange);
      call.setHeader("Connection", "close");
      call.sendError(503, "ERR the bridge is busy: max-concurrent and max-queued requests are"
          + " already in progress");
    }
  }

  /** One request's turn; released once, by whichever comes first of early release or the end. */
  static final class Slot {
    private final Semaphore turns;
    private final AtomicBoolean released = new AtomicBoolean();

    Slot(Semaphore turns) {
      this.turns = turns;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        turns.release();
      }
    }
  }
}
