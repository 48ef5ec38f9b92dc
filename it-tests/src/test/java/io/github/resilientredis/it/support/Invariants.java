package io.github.resilientredis.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPool;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** What every fault and soak test checks once its faults are over. */
public final class Invariants {

  private Invariants() {}

  /**
   * The longest a pool's call may take across faults: borrow, open (connect and the handshake's
   * read) and read, twice (one retry), plus 1 s of slack.
   */
  public static long poolCallBoundMillis(Duration borrowTimeout, Duration readTimeout) {
    return 2 * (borrowTimeout.toMillis() + 2 * readTimeout.toMillis() + readTimeout.toMillis())
        + 1_000;
  }

  /**
   * No acknowledged INCR lost, none run twice: {@code acked <= counter <= acked + mayHaveRun},
   * where {@code mayHaveRun} counts the INCRs whose outcome the client could not know (failed
   * after they may have reached Redis).
   */
  public static void assertIncrCounter(long counter, long acked, long mayHaveRun) {
    assertTrue(counter >= acked, "an acknowledged INCR was lost: counter " + counter
        + ", acknowledged " + acked);
    assertTrue(counter <= acked + mayHaveRun, "an INCR ran twice, or one reported as never sent"
        + " ran: counter " + counter + ", acknowledged " + acked + ", outcome unknown "
        + mayHaveRun);
  }

  /** Every acknowledged write reads back as written (or as a later write of the same key). */
  public static void assertReadable(List<AcknowledgedWrites> writes, UnaryOperator<String> read) {
    for (AcknowledgedWrites w : writes) {
      w.assertReadable(read);
    }
  }

  /** The pool settles: nothing lent, nobody waiting, no more connections than it allows. */
  public static void assertPoolQuiet(RedisPool pool, int maxTotal) {
    Await.until(Duration.ofSeconds(5), "the pool to be quiet", () -> {
      PoolStats stats = pool.stats();
      return stats.active() == 0 && stats.waiting() == 0;
    });
    PoolStats stats = pool.stats();
    assertTrue(stats.total() <= maxTotal, stats::toString);
  }
}
