package io.github.resilientredis.pool.micrometer;

import io.github.resilientredis.pool.PoolStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one pool, shared by {@link RedisPoolMetrics} (a pool) and
 * {@link RedisClusterMetrics} (each node's pool of a cluster), so both show the same names.
 */
final class PoolMeters {

  private PoolMeters() {}

  /**
   * Registers the meters of {@code source}, read through {@code stats} (null once the pool is gone)
   * and {@code maxTotal}; returns them. The registry holds {@code source} weakly, as Micrometer
   * does: the caller keeps it reachable.
   */
  static <T> List<Meter> register(MeterRegistry registry, Iterable<Tag> tags, T source,
      Function<T, PoolStats> stats, ToDoubleFunction<T> maxTotal) {
    List<Meter> meters = new ArrayList<>();
    meters.add(connections(registry, tags, source, stats, "total", PoolStats::total));
    meters.add(connections(registry, tags, source, stats, "idle", PoolStats::idle));
    meters.add(connections(registry, tags, source, stats, "active", PoolStats::active));
    meters.add(connections(registry, tags, source, stats, "waiting", PoolStats::waiting));
    meters.add(Gauge.builder("redis.pool.connections.max", source, maxTotal)
        .description("The most connections the pool opens").tags(tags).register(registry));
    meters.add(counter(registry, tags, source, stats, "redis.pool.connections.created",
        "Connections opened", PoolStats::created));
    meters.add(counter(registry, tags, source, stats, "redis.pool.connections.destroyed",
        "Connections closed", PoolStats::destroyed));
    meters.add(counter(registry, tags, source, stats, "redis.pool.connections.broken",
        "Connections discarded after a transport error", PoolStats::brokenConnections));
    meters.add(counter(registry, tags, source, stats, "redis.pool.connections.reconnects",
        "Connections opened to replace failed or retired ones", PoolStats::reconnects));
    meters.add(counter(registry, tags, source, stats, "redis.pool.heartbeat.failures",
        "Heartbeat PINGs that failed", PoolStats::heartbeatFailures));
    meters.add(counter(registry, tags, source, stats, "redis.pool.connect.failures",
        "Failed attempts to open a connection", PoolStats::connectFailures));
    meters.add(FunctionTimer.builder("redis.pool.borrow.wait", source,
            s -> (long) read(s, stats, PoolStats::borrows), // 0 once gone (NaN as long)
            s -> read(s, stats, counts -> counts.borrowWaitTotal().toNanos()), TimeUnit.NANOSECONDS)
        .description("Borrows, and the time spent waiting for a free connection")
        .tags(tags).register(registry));
    return meters;
  }

  private static <T> Meter connections(MeterRegistry registry, Iterable<Tag> tags,
      T source, Function<T, PoolStats> stats, String state, ToDoubleFunction<PoolStats> count) {
    return Gauge.builder("redis.pool.connections", source, s -> read(s, stats, count))
        .description("Connections by state").tags(tags).tag("state", state).register(registry);
  }

  private static <T> Meter counter(MeterRegistry registry, Iterable<Tag> tags, T source,
      Function<T, PoolStats> stats, String name, String description,
      ToDoubleFunction<PoolStats> count) {
    return FunctionCounter.builder(name, source, s -> read(s, stats, count))
        .description(description).tags(tags).register(registry);
  }

  /** NaN for a pool that is gone (its meters are about to be removed). */
  private static <T> double read(T source, Function<T, PoolStats> stats,
      ToDoubleFunction<PoolStats> count) {
    PoolStats counts = stats.apply(source);
    return counts == null ? Double.NaN : count.applyAsDouble(counts);
  }
}
