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
 * starve the others.
 */
final class ConcurrencyGate implements HttpHandler {

  /** The exchange attribute that holds the request's {@link Slot}. */
  static final String SLOT_ATTRIBUTE = ConcurrencyGate.class.getName() + ".slot";

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
    exchange.setAttribute(SLOT_ATTRIBUTE, slot);
    try {
      next.handle(exchange);
    } finally {
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
