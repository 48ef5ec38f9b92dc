package io.github.resilientredis.pool.internal;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.PushConsumerChain;
import redis.clients.jedis.util.RedisInputStream;

/**
 * A Jedis connection that knows it belongs to a pool: when it was last used, when its heartbeat is
 * due, whether its last request may have reached the server, and how to read raw replies.
 *
 * <p>Not thread-safe, like any Jedis connection: one borrower at a time. The pool's fields
 * ({@link #lastUsedNanos}) are written by the borrower or the housekeeper that holds it and read
 * under the lender's lock.
 */
public final class PooledConnection extends Connection implements Grant {

  private final ChannelSocketFactory socketFactory;
  private final ConnectionOwner owner;
  private final long createdNanos;
  /** When maxLifetime retires it; compared by subtraction, as nanoTime values must be. */
  private final long retireAtNanos;
  private final boolean retires;
  /** The pool's eviction generation when it was opened: an older one is closed on sight. */
  private final int generation;
  private long lentAtNanos;
  /** When a borrower last gave it back (or when it opened): heartbeats do not count as use. */
  private long idleSinceNanos;
  /** Where it was borrowed, recorded only while leak detection is on. */
  private Throwable borrowedAt;
  private boolean leakReported;
  /** This connection's share of the heartbeat interval, jittered so connections are not pinged together. */
  private volatile long heartbeatDelayNanos;
  private long lastUsedNanos;
  private boolean requestFlushed;
  private boolean rawReplies;
  /** Set while lent through Jedis's ConnectionProvider: then close() means "give it back". */
  private boolean returnOnClose;

  PooledConnection(ChannelSocketFactory socketFactory, JedisClientConfig config,
      ConnectionOwner owner, long nowNanos, long heartbeatDelayNanos, long lifetimeNanos,
      int generation) {
    super(socketFactory, config); // connects, authenticates, selects the database
    this.socketFactory = socketFactory;
    this.owner = owner;
    this.createdNanos = nowNanos;
    this.retires = lifetimeNanos > 0;
    this.retireAtNanos = nowNanos + lifetimeNanos;
    this.generation = generation;
    this.lastUsedNanos = nowNanos;
    this.idleSinceNanos = nowNanos;
    this.heartbeatDelayNanos = heartbeatDelayNanos;
  }

  /** Runs a Jedis command, remembering whether the whole request was written to the socket. */
  <T> T executeTracked(CommandObject<T> command) {
    requestFlushed = false;
    return executeCommand(command);
  }

  /** Runs one command and reads its raw reply (see {@code RedisConnection}). */
  Object callRaw(CommandArguments arguments) {
    requestFlushed = false;
    sendCommand(arguments);
    return receiveRaw();
  }

  void sendRaw(CommandArguments arguments) {
    requestFlushed = false;
    sendCommand(arguments);
  }

  Object receiveRaw() {
    rawReplies = true;
    try {
      return getOne();
    } finally {
      rawReplies = false;
    }
  }

  /**
   * False when the last request cannot have been executed: writing it failed before its last byte
   * left (Redis runs a command only once it has read all of it). True otherwise, including when the
   * reply was lost after a complete write.
   */
  boolean requestMayHaveReachedServer() {
    return requestFlushed;
  }

  @Override
  protected void flush() {
    super.flush();
    requestFlushed = true;
  }

  @Override
  protected Object protocolRead(RedisInputStream in, PushConsumerChain pushConsumers) {
    return rawReplies ? RespReader.read(in) : super.protocolRead(in, pushConsumers);
  }

  /** Cheap liveness check with no round trip: see {@link ChannelSocketFactory#peekAlive()}. */
  boolean peekAlive() {
    return !isBroken() && socketFactory.peekAlive();
  }

  /**
   * Not broken and its socket still open. Cheaper than Jedis's {@code isConnected()}, which asks the
   * socket five questions, one of them under the channel's lock: this runs on every return.
   */
  boolean isUsable() {
    return !isBroken() && socketFactory.isOpen();
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  void markUsed(long nowNanos) {
    lastUsedNanos = nowNanos;
  }

  long createdNanos() {
    return createdNanos;
  }

  boolean isRetired(long nowNanos) {
    return retires && nowNanos - retireAtNanos >= 0;
  }

  /** When maxLifetime retires it, or {@code Long.MAX_VALUE} if never. */
  long retireAtNanos() {
    return retires ? retireAtNanos : Long.MAX_VALUE;
  }

  int generation() {
    return generation;
  }

  void markLent(long nowNanos, Throwable borrowedAt) {
    lentAtNanos = nowNanos;
    this.borrowedAt = borrowedAt;
    leakReported = false;
  }

  void markReturned(long nowNanos) {
    lastUsedNanos = nowNanos;
    idleSinceNanos = nowNanos;
  }

  long idleSinceNanos() {
    return idleSinceNanos;
  }

  long lentAtNanos() {
    return lentAtNanos;
  }

  Throwable borrowedAt() {
    return borrowedAt;
  }

  /** Marks a leak as reported; returns false when it already was. */
  boolean reportLeakOnce() {
    if (leakReported) {
      return false;
    }
    leakReported = true;
    return true;
  }

  boolean leakWasReported() {
    return leakReported;
  }

  long heartbeatDueNanos() {
    return lastUsedNanos + heartbeatDelayNanos;
  }

  void heartbeatDelayNanos(long delayNanos) {
    heartbeatDelayNanos = delayNanos;
  }

  void returnOnClose(boolean enabled) {
    returnOnClose = enabled;
  }

  /**
   * Jedis closes the connections its pipelines and transactions took from the provider: that gives
   * it back to the pool. Otherwise (a {@code RedisConnection.jedis()} being closed inside a callback)
   * nothing happens; the pool takes the connection back when the callback returns.
   */
  @Override
  public void close() {
    if (returnOnClose) {
      returnOnClose = false;
      owner.giveBack(this);
    }
  }

  /** Really closes the socket. */
  void closeSocket() {
    try {
      disconnect();
    } catch (RuntimeException ignored) {
      // Closing a dead socket may fail; it is gone either way.
    }
  }

  @Override
  public String toString() {
    return "PooledConnection{" + socketFactory + "}";
  }
}
