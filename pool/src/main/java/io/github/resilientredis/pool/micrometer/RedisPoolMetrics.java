package io.github.resilientredis.pool.micrometer;

import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPool;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Shows a pool in a Micrometer registry. Micrometer is an optional dependency of the pool: add
 * {@code io.micrometer:micrometer-core} to use this class.
 *
 * <pre>{@code
 * new RedisPoolMetrics(pool).bindTo(registry);
 * }</pre>
 *
 * <p>Every meter is tagged {@code pool=<pool name>}:
 * <ul>
 *   <li>{@code redis.pool.connections} gauge, tagged {@code state=total|idle|active|waiting}
 *   <li>{@code redis.pool.connections.max} gauge: {@code maxTotal}
 *   <li>{@code redis.pool.connections.created}, {@code .destroyed}, {@code .broken},
 *       {@code .reconnects} counters
 *   <li>{@code redis.pool.heartbeat.failures}, {@code redis.pool.connect.failures} counters
 *   <li>{@code redis.pool.borrow.wait} timer: borrows and the time they waited
 * </ul>
 */
public final class RedisPoolMetrics implements MeterBinder {

  private final RedisPool pool;
  private final Iterable<Tag> tags;

  public RedisPoolMetrics(RedisPool pool) {
    this(pool, Tags.empty());
  }

  public RedisPoolMetrics(RedisPool pool, Iterable<Tag> tags) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.tags = Tags.concat(tags, "pool", pool.name());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    connections(registry, "total", PoolStats::total);
    connections(registry, "idle", PoolStats::idle);
    connections(registry, "active", PoolStats::active);
    connections(registry, "waiting", PoolStats::waiting);
    Gauge.builder("redis.pool.connections.max", pool, p -> p.config().maxTotal())
        .description("The most connections the pool opens").tags(tags).register(registry);
    counter(registry, "redis.pool.connections.created", "Connections opened", PoolStats::created);
    counter(registry, "redis.pool.connections.destroyed", "Connections closed", PoolStats::destroyed);
    counter(registry, "redis.pool.connections.broken",
        "Connections discarded after a transport error", PoolStats::brokenConnections);
    counter(registry, "redis.pool.connections.reconnects",
        "Connections opened to replace failed or retired ones", PoolStats::reconnects);
    counter(registry, "redis.pool.heartbeat.failures", "Heartbeat PINGs that failed",
        PoolStats::heartbeatFailures);
    counter(registry, "redis.pool.connect.failures", "Failed attempts to open a connection",
        PoolStats::connectFailures);
    FunctionTimer.builder("redis.pool.borrow.wait", pool, p -> p.stats().borrows(),
            p -> p.stats().borrowWaitTotal().toNanos(), TimeUnit.NANOSECONDS)
        .description("Borrows, and the time spent waiting for a free connection")
        .tags(tags).register(registry);
  }

  private void connections(MeterRegistry registry, String state, ToDoubleFunction<PoolStats> count) {
    Gauge.builder("redis.pool.connections", pool, p -> count.applyAsDouble(p.stats()))
        .description("Connections by state").tags(tags).tag("state", state).register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description,
      ToDoubleFunction<PoolStats> count) {
    FunctionCounter.builder(name, pool, p -> count.applyAsDouble(p.stats()))
        .description(description).tags(tags).register(registry);
  }
}
