package io.github.resilientredis.pool;

/**
 * Work done on one connection lent by {@link RedisPool#withConnection(ConnectionCallback)}.
 *
 * @param <T> what the work returns
 */
@FunctionalInterface
public interface ConnectionCallback<T> {
  T doWith(RedisConnection connection);
}
