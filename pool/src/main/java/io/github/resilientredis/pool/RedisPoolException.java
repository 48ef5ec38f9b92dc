package io.github.resilientredis.pool;

import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The one exception the pool itself throws: it could not lend a connection.
 *
 * <p>It extends Jedis's {@link JedisConnectionException} so that code written against the Jedis API
 * (which catches {@code JedisConnectionException} for "Redis is not reachable") handles it unchanged.
 * {@link #reason()} tells why, and the message carries the pool's state.
 */
public final class RedisPoolException extends JedisConnectionException {

  /** Why no connection could be lent. */
  public enum Reason {
    /** Every connection was in use for the whole borrow timeout. */
    TIMEOUT,
    /** Redis could not be reached: the cause is the last connect failure. */
    UNREACHABLE,
    /** The pool was closed before or while waiting. */
    CLOSED,
    /** The borrowing thread was interrupted while waiting. */
    INTERRUPTED
  }

  private final Reason reason;

  public RedisPoolException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
