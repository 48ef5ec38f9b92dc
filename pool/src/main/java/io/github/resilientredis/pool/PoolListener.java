package io.github.resilientredis.pool;

/**
 * Hears what happens in a pool, for metrics or tracing. Every method does nothing by default, so an
 * implementation overrides only what it needs. Methods are called on the borrower's thread or the
 * pool's housekeeping threads: keep them fast, and do not throw (an exception is logged and
 * ignored).
 */
public interface PoolListener {

  /** The listener that hears nothing: the default. */
  PoolListener NONE = new PoolListener() {};

  /** A connection was lent, after waiting this long for it (0 when one was free). */
  default void borrowed(long waitNanos) {}

  /** A connection came back after being held this long. */
  default void returned(long heldNanos) {}

  /** A new connection was opened. */
  default void created() {}

  /** A connection was closed, for this reason. */
  default void destroyed(CloseReason reason) {}

  /** A heartbeat PING failed; the connection is replaced. */
  default void heartbeatFailed(Exception cause) {}

  /** A connection was opened in the background to replace one that failed or retired. */
  default void reconnected() {}

  /** Why a connection was closed. */
  enum CloseReason {
    /** A command hit a transport error (EOF, reset, timeout). */
    BROKEN,
    /** Found dead by the check before lending. */
    STALE,
    /** Its heartbeat PING failed. */
    HEARTBEAT_FAILED,
    /** It reached {@code maxLifetime}. */
    MAX_LIFETIME,
    /** It sat idle longer than {@code idleTimeout} while more than {@code minIdle} were idle. */
    IDLE_TIMEOUT,
    /** {@link RedisPool#softEvictConnections()} asked for it. */
    EVICTED,
    /** The pool was closed. */
    POOL_CLOSED
  }
}
