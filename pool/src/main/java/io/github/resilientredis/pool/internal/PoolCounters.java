package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.PoolStats;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The pool's event counters: striped adders, so that counting costs borrowers no contention. */
final class PoolCounters {

  final LongAdder created = new LongAdder();
  final LongAdder destroyed = new LongAdder();
  final LongAdder heartbeatFailures = new LongAdder();
  final LongAdder brokenConnections = new LongAdder();
  final LongAdder reconnects = new LongAdder();
  final LongAdder connectFailures = new LongAdder();
  final LongAdder borrows = new LongAdder();
  private final LongAdder borrowWaitNanos = new LongAdder();
  private final AtomicLong borrowWaitMaxNanos = new AtomicLong();

  void recordBorrow(long waitedNanos) {
    borrows.increment();
    if (waitedNanos > 0) {
      borrowWaitNanos.add(waitedNanos);
      if (waitedNanos > borrowWaitMaxNanos.get()) {
        borrowWaitMaxNanos.accumulateAndGet(waitedNanos, Math::max);
      }
    }
  }

  PoolStats snapshot(Lender.Counts counts) {
    return new PoolStats(counts.total(), counts.idle(), counts.active(), counts.waiting(),
        created.sum(), destroyed.sum(), heartbeatFailures.sum(), brokenConnections.sum(),
        reconnects.sum(), connectFailures.sum(), borrows.sum(),
        Duration.ofNanos(borrowWaitNanos.sum()), Duration.ofNanos(borrowWaitMaxNanos.get()));
  }
}
