package io.github.resilientredis.pool.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Decides whether an idle connection is alive enough to lend, as cheaply as the case allows: no
 * check for one used a moment ago, a non-blocking peek for a pending EOF after that, a PING for one
 * idle long enough to have been dropped silently. Also the PING the heartbeat sends.
 *
 * <p>Kept apart from {@link PoolCore} so that these rules, which decide how often a borrower pays
 * for a round trip and how soon a dead connection is noticed, read in one place, apart from the
 * lending and housekeeping that call them. It holds one piece of state: when a borrower last gave
 * back a broken connection.
 */
final class LivenessCheck {

  /** The pool's logger: these lines are the pool's, as they were before this class existed. */
  private static final Logger log = LoggerFactory.getLogger(LivenessCheck.class);

  private final String name;
  private final Ticker ticker;
  private final long aliveBypassNanos;
  private final long pingOnBorrowAfterNanos;
  /**
   * When a borrower last gave back a broken connection. Connections last used before it are
   * checked before they are lent even inside the bypass window: what broke one may have broken them.
   */
  private volatile long lastTransportErrorNanos;

  LivenessCheck(String name, Ticker ticker, long aliveBypassNanos, long pingOnBorrowAfterNanos) {
    this.name = name;
    this.ticker = ticker;
    this.aliveBypassNanos = aliveBypassNanos;
    this.pingOnBorrowAfterNanos = pingOnBorrowAfterNanos;
    this.lastTransportErrorNanos = ticker.nanoTime() - (Long.MAX_VALUE >> 1); // "long ago"
  }

  /** A borrower gave back a connection broken by a transport error at {@code nowNanos}. */
  void transportErrorAt(long nowNanos) {
    lastTransportErrorNanos = nowNanos;
  }

  /**
   * The check before lending: nothing for a connection used a moment ago (unless a transport error
   * was seen since); a non-blocking peek for a pending EOF after that; a PING for one idle long
   * enough to have been dropped silently. A connection of another {@code generation} than the
   * pool's is not lent.
   */
  boolean isAlive(PooledConnection connection, long now, int generation) {
    if (connection.generation() != generation) {
      return false;
    }
    long lastUsed = connection.lastUsedNanos();
    long idleNanos = now - lastUsed;
    if (idleNanos < aliveBypassNanos && lastUsed - lastTransportErrorNanos > 0) {
      return !connection.isBroken();
    }
    if (!connection.peekAlive()) {
      return false;
    }
    return idleNanos < pingOnBorrowAfterNanos || ping(connection);
  }

  /** The check for a retry after a transport error: a PING, unless the connection is brand new. */
  boolean isVerifiedAlive(PooledConnection connection, long now, int generation) {
    if (connection.generation() != generation || !connection.peekAlive()) {
      return false;
    }
    boolean justOpened = connection.lastUsedNanos() == connection.createdNanos()
        && now - connection.createdNanos() < aliveBypassNanos;
    return justOpened || ping(connection);
  }

  private boolean ping(PooledConnection connection) {
    JedisException failure = pingFailure(connection);
    if (failure != null) {
      log.debug("{}: PING failed on {}: {}", name, connection, failure.toString());
    }
    return failure == null;
  }

  /**
   * PINGs a connection; null when it is alive. A -LOADING reply counts as alive: the server answered
   * on this connection, it is only still reading its dataset.
   */
  JedisException pingFailure(PooledConnection connection) {
    try {
      connection.ping();
    } catch (JedisDataException e) {
      if (!RetryPolicy.isLoading(e)) {
        return e;
      }
    } catch (JedisException e) {
      return e;
    }
    connection.markUsed(ticker.nanoTime());
    return null;
  }
}
