package io.github.resilientredis.benchmarks;

/**
 * Latencies counted in 1 microsecond buckets up to 50 ms, and above that only counted. One per
 * thread, merged at the end: recording is an array increment.
 */
final class LatencyHistogram {

  private static final int BUCKETS = 50_000;

  private final int[] counts = new int[BUCKETS];
  private long overflow;
  private long total;

  void record(long nanos) {
    long micros = nanos / 1_000;
    if (micros < BUCKETS) {
      counts[(int) micros]++;
    } else {
      overflow++;
    }
    total++;
  }

  static LatencyHistogram merge(LatencyHistogram... parts) {
    LatencyHistogram all = new LatencyHistogram();
    for (LatencyHistogram part : parts) {
      for (int i = 0; i < BUCKETS; i++) {
        all.counts[i] += part.counts[i];
      }
      all.overflow += part.overflow;
      all.total += part.total;
    }
    return all;
  }

  /** The latency below which {@code percent} of the recorded ones fall; +Infinity past 50 ms. */
  double percentileMillis(double percent) {
    if (total == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(total * percent / 100.0);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return (i + 0.5) / 1000.0; // the middle of the bucket
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
