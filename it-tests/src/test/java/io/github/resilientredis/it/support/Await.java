package io.github.resilientredis.it.support;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition by polling, with a deadline: tests never sleep a fixed time to "let
 * something happen". A timeout fails the test with what was awaited and the last error seen.
 */
public final class Await {

  private static final long POLL_MILLIS = 20;

  private Await() {}

  /** Polls until the condition holds; an exception from it counts as "not yet". */
  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    result(timeout, what, () -> condition.getAsBoolean() ? Boolean.TRUE : null);
  }

  /**
   * Polls until the attempt returns a non-null value without throwing, and returns that value.
   * An exception counts as "not yet" and becomes the cause if time runs out.
   */
  public static <T> T result(Duration timeout, String what, Callable<T> attempt) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    while (true) {
      try {
        T value = attempt.call();
        if (value != null) {
          return value;
        }
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what, last);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + what, e);
      }
    }
  }
}
