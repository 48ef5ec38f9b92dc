package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.ConnectionCallback;
import io.github.resilientredis.pool.RedisConnection;
import redis.clients.jedis.Jedis;

/**
 * The view of a pooled connection given to a {@code withConnection} callback. It is invalidated
 * when the callback ends, so a reference kept by mistake cannot reach a connection that now belongs
 * to someone else.
 */
final class LeasedConnection implements RedisConnection {

  private PooledConnection connection;
  private Jedis jedis;

  LeasedConnection(PooledConnection connection) {
    this.connection = connection;
  }

  /** What becomes of a lent connection once its callback ended. */
  interface GiveBack {
    /** {@code healthy} is false after an exception: the connection may be mid-transaction. */
    void giveBack(PooledConnection connection, boolean healthy);
  }

  /**
   * Runs {@code callback} on a lease of {@code connection}: the one way every
   * {@code withConnection} lends. The lease is invalidated when the callback ends, then
   * {@code giveBack} learns whether it returned normally.
   */
  static <T> T lend(PooledConnection connection, ConnectionCallback<T> callback, GiveBack giveBack) {
    LeasedConnection lease = new LeasedConnection(connection);
    boolean healthy = false;
    try {
      T result = callback.doWith(lease);
      healthy = true;
      return result;
    } finally {
      lease.invalidate();
      giveBack.giveBack(connection, healthy);
    }
  }

  @Override
  public Jedis jedis() {
    PooledConnection c = current();
    if (jedis == null) {
      jedis = new Jedis(c);
    }
    return jedis;
  }

  @Override
  public Object call(byte[]... commandAndArguments) {
    requireCommand(commandAndArguments);
    return current().callRaw(RawCommand.arguments(commandAndArguments));
  }

  @Override
  public void send(byte[]... commandAndArguments) {
    requireCommand(commandAndArguments);
    current().sendRaw(RawCommand.arguments(commandAndArguments));
  }

  @Override
  public Object receive() {
    return current().receiveRaw();
  }

  void invalidate() {
    connection = null;
    jedis = null;
  }

  private PooledConnection current() {
    PooledConnection c = connection;
    if (c == null) {
      throw new IllegalStateException(
          "This connection went back to the pool when its callback ended; borrow a new one");
    }
    return c;
  }

  private static void requireCommand(byte[][] commandAndArguments) {
    if (commandAndArguments.length == 0) {
      throw new IllegalArgumentException("a command needs at least its name");
    }
  }
}
