package io.github.resilientredis.it.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a fixed number of operations from a fixed number of threads, all released at once, and
 * counts what failed. A failure is any exception; the operation decides what it calls.
 */
public final class Burst {

  /** Longest a burst may take before the test fails: every test loop is bounded in time. */
  private static final Duration LIMIT = Duration.ofSeconds(60);
  private static final int KEPT_FAILURES = 5;

  /** One operation; {@code index} runs from 0 to operations - 1. */
  @FunctionalInterface
  public interface Operation {
    void run(int index) throws Exception;
  }

  /**
   * What happened.
   *
   * @param succeeded operations that returned normally
   * @param failed operations that threw
   * @param firstFailures the first few exceptions, for the assertion message
   */
  public record Result(int succeeded, int failed, List<Throwable> firstFailures, Duration elapsed) {

    public String summary() {
      StringBuilder text = new StringBuilder()
          .append(failed).append(" of ").append(succeeded + failed).append(" failed in ")
          .append(elapsed.toMillis()).append(" ms");
      for (Throwable failure : firstFailures) {
        text.append("\n  ").append(failure);
        if (failure.getCause() != null) {
          text.append(" <- ").append(failure.getCause());
        }
      }
      return text.toString();
    }
  }

  private Burst() {}

  public static Result run(int threads, int operations, Operation operation) {
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    try {
      for (int t = 0; t < threads; t++) {
        executor.execute(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          for (int i = next.getAndIncrement(); i < operations; i = next.getAndIncrement()) {
            try {
              operation.run(i);
              succeeded.incrementAndGet();
            } catch (Exception | AssertionError e) {
              failed.incrementAndGet();
              if (failures.size() < KEPT_FAILURES) {
                failures.add(e);
              }
            }
          }
        });
      }
      long start = System.nanoTime();
      go.countDown();
      executor.shutdown();
      if (!executor.awaitTermination(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("burst of " + operations + " operations did not finish within "
            + LIMIT + " (" + succeeded + " succeeded, " + failed + " failed so far)");
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      return new Result(succeeded.get(), failed.get(), List.copyOf(failures), elapsed);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted during a burst", e);
    } finally {
      executor.shutdownNow();
    }
  }
}
