package io.github.resilientredis.pool.micrometer;

import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

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
    PoolMeters.register(registry, tags, pool, RedisPool::stats, p -> p.config().maxTotal());
  }
}
