package io.github.resilientredis.pool.internal;

/**
 * A source of monotonic time in nanoseconds. Passed in, so that housekeeping can be tested with a
 * controlled clock instead of sleeps.
 */
@FunctionalInterface
public interface Ticker {
  Ticker SYSTEM = System::nanoTime;

  long nanoTime();
}
