package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightTest {

  @Test
  void drainWaitsForRequestsInFlightAndTurnsNewOnesAway() throws Exception {
    InFlight inFlight = new InFlight();
    assertTrue(inFlight.enter());
    CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
      try {
        return inFlight.drain(TimeUnit.SECONDS.toNanos(10));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    while (inFlight.enter()) { // until drain has started
      inFlight.exit();
      Thread.onSpinWait();
    }
    assertFalse(drained.isDone());
    inFlight.exit();
    assertTrue(drained.get(5, TimeUnit.SECONDS));
    assertEquals(0, inFlight.count());
  }

  @Test
  void drainGivesUpAfterItsTimeout() throws Exception {
    InFlight inFlight = new InFlight();
    assertTrue(inFlight.enter());
    assertFalse(inFlight.drain(TimeUnit.MILLISECONDS.toNanos(20)));
    assertEquals(1, inFlight.count());
  }
}
