package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Back-off driven by times passed in: no sleeps. */
class ServerHealthTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private final ServerHealth health = new ServerHealth("test", "redis://x:1", 50 * MS, 500 * MS);

  @Test
  void reachableServerAllowsEveryAttempt() {
    assertTrue(health.claimAttempt(0));
    assertTrue(health.claimAttempt(0));
    assertFalse(health.isUnreachable());
  }

  @Test
  void pauseGrowsExponentiallyWithJitterUpToTheCap() {
    long now = 1_000 * MS;
    long previousBase = 0;
    for (int failure = 1; failure <= 10; failure++) {
      long next = health.onFailure(new ConnectException("refused"), now);
      long pause = next - now;
      long base = Math.min(500 * MS, (50 * MS) << (failure - 1));
      assertTrue(pause >= base / 2 && pause <= base, "failure " + failure + ": " + pause);
      assertTrue(base >= previousBase);
      previousBase = base;
      now = next;
    }
  }

  @Test
  void onlyOneProbePerPauseWhileUnreachable() {
    long next = health.onFailure(new ConnectException("refused"), 0);
    assertFalse(health.claimAttempt(next - 1), "inside the pause everyone fails fast");
    assertTrue(health.claimAttempt(next), "the first caller after the pause probes");
    assertFalse(health.claimAttempt(next), "the others still fail fast");
  }

  @Test
  void successEndsTheOutageAndResetsTheBackoff() {
    health.onFailure(new ConnectException("refused"), 0);
    health.onFailure(new ConnectException("refused"), 10 * MS);
    assertTrue(health.onSuccess(20 * MS));
    assertFalse(health.isUnreachable());
    assertEquals(null, health.lastFailure());
    long next = health.onFailure(new ConnectException("refused"), 100 * MS);
    assertTrue(next - 100 * MS <= 50 * MS, "the pause starts small again");
  }
}
