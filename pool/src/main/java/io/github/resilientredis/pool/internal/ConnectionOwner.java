package io.github.resilientredis.pool.internal;

/** Takes back a connection that Jedis closed after a pipeline or a transaction. */
interface ConnectionOwner {
  void giveBack(PooledConnection connection);
}
