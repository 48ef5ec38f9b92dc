package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.ConnectionCallback;
import io.github.resilientredis.pool.RedisPoolException;
import java.util.function.Function;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands on borrowed connections: one command with a safe retry ({@link #execute},
 * {@link #call}), or a caller's callback on one connection ({@link #withConnection}). Callers hold
 * it directly; it reaches the pool only through {@link ConnectionSource}.
 */
public final class CommandRunner {

  private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

  private final ConnectionSource pool;
  private final String name;
  private final boolean retrySafeCommands;
  private final long loadingWaitNanos;
  private final Ticker ticker;

  CommandRunner(ConnectionSource pool, String name, boolean retrySafeCommands,
      long loadingWaitNanos, Ticker ticker) {
    this.pool = pool;
    this.name = name;
    this.retrySafeCommands = retrySafeCommands;
    this.loadingWaitNanos = loadingWaitNanos;
    this.ticker = ticker;
  }

  /** A Jedis command from {@code RedisClient}. */
  <T> T execute(CommandObject<T> command) {
    return run(command.getArguments(), connection -> connection.executeTracked(command));
  }

  /** A raw command; error replies are returned, not thrown. */
  public Object call(byte[]... commandAndArguments) {
    CommandArguments arguments = RawCommand.arguments(commandAndArguments);
    return run(arguments, connection -> connection.callRaw(arguments));
  }

  /** Lends one connection to {@code callback}; after an exception it is closed, not reused. */
  public <T> T withConnection(ConnectionCallback<T> callback) {
    // After an exception the connection may be mid-transaction or mid-reply: never reuse it.
    return LeasedConnection.lend(pool.borrow(false), callback, pool::release);
  }

  /**
   * The one retry loop: a command that failed on a transport error is sent once more on another
   * connection when {@link RetryPolicy} says that cannot run it twice, and one that Redis answered
   * with {@code -LOADING} (thrown by Jedis, or returned as a raw reply) is sent again after a pause,
   * up to the borrow timeout. When that runs out, the last {@code -LOADING} is what the caller gets.
   */
  private <T> T run(CommandArguments arguments, Function<PooledConnection, T> send) {
    LoadingWait loading = null;
    JedisConnectionException previous = null;
    for (int attempt = 0; ; attempt++) {
      PooledConnection connection = borrowFor(previous);
      boolean healthy = false;
      T reply = null;
      JedisDataException loadingError = null;
      try {
        reply = send.apply(connection);
        healthy = true;
      } catch (JedisConnectionException e) {
        if (!mayRetry(attempt, arguments, connection, e)) {
          throw e;
        }
        previous = e;
        continue;
      } catch (JedisDataException e) {
        healthy = true; // an error reply: the connection is fine
        if (retryAfterReadOnly(attempt, e, connection)) {
          continue;
        }
        if (!RetryPolicy.isLoading(e)) {
          throw e;
        }
        loadingError = e;
      } finally {
        pool.release(connection, healthy);
      }
      if (reply instanceof JedisDataException error
          && retryAfterReadOnly(attempt, error, connection)) {
        continue;
      }
      if (loadingError == null && !RetryPolicy.isLoading(reply)) {
        return reply;
      }
      loading = loading != null ? loading : new LoadingWait(loadingWaitNanos, ticker);
      if (!loading.pause()) {
        if (loadingError != null) {
          throw loadingError;
        }
        return reply;
      }
      log.debug("{}: Redis is loading its dataset; trying again", name);
    }
  }

  /**
   * Borrows for an attempt. When a retry cannot get a connection, the caller gets the failure of
   * the first attempt: that one may have reached Redis, and {@code RedisPoolException} promises
   * that nothing was sent.
   */
  private PooledConnection borrowFor(JedisConnectionException previous) {
    if (previous == null) {
      return pool.borrow(false);
    }
    try {
      return pool.borrow(true);
    } catch (RedisPoolException e) {
      previous.addSuppressed(e);
      throw previous;
    }
  }

  /**
   * -READONLY: the server we took for the master is a replica now. Redis ran nothing, so when the
   * pool follows Sentinel the command waits for the master (the borrow is held until Sentinel's
   * new master is confirmed, bounded by borrowTimeout) and runs once more.
   */
  private boolean retryAfterReadOnly(int attempt, JedisDataException error,
      PooledConnection connection) {
    if (attempt != 0 || !RetryPolicy.isReadOnly(error) || !pool.readOnlyReply(connection)) {
      return false;
    }
    log.debug("{}: -READONLY from {}; waiting for the master to run it again", name, connection);
    return true;
  }

  private boolean mayRetry(int attempt, CommandArguments arguments, PooledConnection connection,
      JedisConnectionException failure) {
    boolean retry = attempt == 0 && retrySafeCommands && RetryPolicy.isSafeToRetry(
        arguments, connection.requestMayHaveReachedServer(), failure);
    if (log.isDebugEnabled()) {
      log.debug("{}: {} failed on {}: {}{}", name, RetryPolicy.commandName(arguments), connection,
          failure.getMessage(), retry ? "; retrying on another connection" : "");
    }
    return retry;
  }
}
