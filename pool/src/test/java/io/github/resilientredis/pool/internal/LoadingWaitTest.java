package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The -LOADING back-off measures its budget on the ticker it is given. */
class LoadingWaitTest {

  private final AtomicLong now = new AtomicLong(5_000);

  @Test
  void givesUpWithoutPausingWhenTheFirstPauseWouldPassTheBudget() {
    LoadingWait wait = new LoadingWait(TimeUnit.MILLISECONDS.toNanos(1), now::get);
    assertFalse(wait.pause(), "the first pause (5 to 10 ms) is longer than the 1 ms budget");
  }

  @Test
  void theBudgetIsSpentOnTheTicker() {
    LoadingWait wait = new LoadingWait(TimeUnit.SECONDS.toNanos(10), now::get);
    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    assertFalse(wait.pause(), "ten seconds passed on the ticker: no time is left for a pause");
  }

  @Test
  void pausesWhileTheBudgetLasts() {
    LoadingWait wait = new LoadingWait(TimeUnit.SECONDS.toNanos(10), now::get);
    assertTrue(wait.pause());
    assertTrue(wait.pause());
  }

  @Test
  void anInterruptEndsTheWait() {
    LoadingWait wait = new LoadingWait(TimeUnit.SECONDS.toNanos(10), now::get);
    Thread.currentThread().interrupt();
    try {
      assertFalse(wait.pause(), "an interrupted caller stops waiting");
    } finally {
      Thread.interrupted();
    }
  }
}
