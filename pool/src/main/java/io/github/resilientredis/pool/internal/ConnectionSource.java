package io.github.resilientredis.pool.internal;

/**
 * How {@link CommandRunner} reaches the pool: borrow a connection, give it back. The one way back
 * up from the runner, so that callers hold the runner and the runner never sees the whole engine.
 */
interface ConnectionSource {

  /**
   * Lends a live connection; with {@code verify}, one proven alive by a PING (or freshly opened),
   * as a retry after a transport error needs.
   *
   * @throws io.github.resilientredis.pool.RedisPoolException when none can be lent
   */
  PooledConnection borrow(boolean verify);

  /** Takes a connection back; one that is not {@code healthy} is closed and replaced. */
  void release(PooledConnection connection, boolean healthy);

  /**
   * A command got -READONLY on {@code connection}. True when the pool follows Sentinel: it has
   * stopped lending until the master is confirmed, and the command may run again (Redis ran
   * nothing); false otherwise, and the caller gets the error.
   */
  boolean readOnlyReply(PooledConnection connection);
}
