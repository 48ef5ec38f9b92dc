package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.ConnectionCallback;
import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPoolConfig;
import io.github.resilientredis.pool.RedisPoolException;
import io.github.resilientredis.pool.RedisPoolException.Reason;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's machinery: lends connections after a cheap check, takes them back, replaces broken
 * ones, and keeps idle ones alive. {@code RedisPool} is its public face.
 *
 * <p>Threads: borrowers call {@link #borrow()} and {@link #release}; one housekeeper thread runs
 * {@link #housekeep(long)} (heartbeats, refills) and one connector thread opens connections in the
 * background, so a slow connect never delays a heartbeat.
 */
public final class PoolCore implements ConnectionOwner {

  private static final Logger log = LoggerFactory.getLogger(PoolCore.class);

  private final RedisPoolConfig config;
  private final String name;
  private final Ticker ticker;
  private final Lender lender;
  private final ConnectionFactory factory;
  private final ServerHealth health;
  private final HeartbeatSchedule heartbeat;
  private final PoolCounters counters = new PoolCounters();
  private final Housekeeper housekeeper;
  private final RedisClient client;
  private final long borrowTimeoutNanos;
  private final long aliveBypassNanos;
  private final long pingOnBorrowAfterNanos;
  /** Connections discarded after a failure and not yet replaced in the background. */
  private final AtomicInteger replacementsOwed = new AtomicInteger();
  private volatile boolean closed;

  public PoolCore(RedisPoolConfig config) {
    this(config, Ticker.SYSTEM, true);
  }

  /** With {@code startThreads} false nothing runs in the background: tests call {@link #housekeep}. */
  PoolCore(RedisPoolConfig config, Ticker ticker, boolean startThreads) {
    this.config = config;
    this.name = config.name();
    this.ticker = ticker;
    this.lender = new Lender(config.maxTotal());
    this.factory = new ConnectionFactory(config, this);
    this.health = new ServerHealth(name, config.serverUri(),
        config.reconnectBackoffMin().toNanos(), config.reconnectBackoffMax().toNanos());
    this.heartbeat = new HeartbeatSchedule(config.heartbeatInterval(),
        RedisPoolConfig.MIN_HEARTBEAT_INTERVAL, config.heartbeatFromServerTimeout());
    this.borrowTimeoutNanos = config.borrowTimeout().toNanos();
    this.aliveBypassNanos = config.aliveBypassWindow().toNanos();
    this.pingOnBorrowAfterNanos = config.pingOnBorrowAfter().toNanos();
    PoolCommandExecutor executor = new PoolCommandExecutor(this);
    this.client = RedisClient.builder()
        .clientConfig(factory.jedisConfig())
        .connectionProvider(executor)
        .commandExecutor(executor)
        .build();
    this.housekeeper = startThreads ? new Housekeeper(name, this, ticker) : null;
    warmUp();
  }

  /** Opens the first connection now, to learn the heartbeat and to say in one line how we started. */
  private void warmUp() {
    if (config.minIdle() > 0 && lender.reserveForOpening(1) == 1) {
      openInBackground(1, 0);
    }
    log.info("{}: started for {} (maxTotal={}, minIdle={}, borrowTimeout={} ms), heartbeat every {}"
            + " ms from {}", name, config.serverUri(), config.maxTotal(), config.minIdle(),
        config.borrowTimeout().toMillis(), heartbeat.intervalNanos() / 1_000_000,
        heartbeat.isResolved() ? heartbeat.source() : "the heartbeatInterval setting until Redis answers");
    if (housekeeper != null) {
      housekeeper.start();
    }
  }

  public RedisPoolConfig config() {
    return config;
  }

  public RedisClient client() {
    return client;
  }

  // ---- lending ----

  /** Lends a live connection, or throws {@link RedisPoolException}. */
  PooledConnection borrow() {
    long waitStart = 0;
    for (int attempt = 0; ; attempt++) {
      Grant grant = lender.acquire();
      if (grant == null) {
        throw closedException();
      }
      if (grant instanceof Waiter waiter) {
        if (waitStart == 0) {
          waitStart = ticker.nanoTime() | 1; // never 0: 0 means "has not waited"
        }
        grant = awaitGrant(waiter, waitStart + borrowTimeoutNanos);
      }
      PooledConnection connection = grant instanceof PooledConnection lent ? lent : openForBorrower();
      long now = ticker.nanoTime();
      if (isAlive(connection, now)) {
        counters.recordBorrow(waitStart == 0 ? 0 : now - waitStart);
        return connection;
      }
      destroy(connection, "stale when borrowed");
      if (attempt > config.maxTotal() + 1) {
        // Every idle connection was dead and fresh ones die at once: give up rather than spin.
        throw new RedisPoolException(Reason.UNREACHABLE, name + ": connections to "
            + config.serverUri() + " die as soon as they are opened", health.lastFailure());
      }
    }
  }

  private Grant awaitGrant(Waiter waiter, long deadlineNanos) {
    Grant grant;
    try {
      grant = waiter.await(deadlineNanos, ticker);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Grant late = lender.withdraw(waiter);
      if (late != null) {
        abandon(late);
      }
      throw new RedisPoolException(Reason.INTERRUPTED, name + ": interrupted while waiting for a"
          + " connection (" + lender.counts() + ")", e);
    }
    if (grant == null) {
      grant = lender.withdraw(waiter);
    }
    if (grant == null) {
      throw new RedisPoolException(Reason.TIMEOUT, name + ": no connection available within "
          + config.borrowTimeout().toMillis() + " ms (" + lender.counts() + ", maxTotal="
          + config.maxTotal() + "; Redis " + health.describe(ticker.nanoTime()) + ")",
          health.lastFailure());
    }
    return grant;
  }

  /** Gives back a grant its borrower can no longer use. */
  private void abandon(Grant grant) {
    if (grant instanceof PooledConnection connection) {
      release(connection, true);
    } else {
      lender.discard();
    }
  }

  /** The borrower holds a new slot: it opens the connection itself, unless Redis is down. */
  private PooledConnection openForBorrower() {
    long now = ticker.nanoTime();
    if (!health.claimAttempt(now)) {
      lender.discard();
      throw unreachableException(health.lastFailure());
    }
    try {
      return open(now);
    } catch (JedisException e) {
      lender.discard();
      RedisPoolException unreachable = unreachableException(e);
      lender.failWaiters(unreachable);
      throw unreachable;
    } catch (RuntimeException e) {
      lender.discard();
      throw e;
    }
  }

  private PooledConnection open(long now) {
    PooledConnection connection;
    try {
      connection = factory.open(now, heartbeat.jitteredDelayNanos());
    } catch (JedisException e) {
      if (closed) {
        throw e;
      }
      counters.connectFailures.increment();
      health.onFailure(e, ticker.nanoTime());
      heartbeat.forgetServer();
      throw e;
    }
    counters.created.increment();
    health.onSuccess(ticker.nanoTime());
    if (!heartbeat.isResolved() && heartbeat.resolve(connection)) {
      connection.heartbeatDelayNanos(heartbeat.jitteredDelayNanos());
      log.info("{}: heartbeat every {} ms from {}", name, heartbeat.intervalNanos() / 1_000_000,
          heartbeat.source());
    }
    return connection;
  }

  /**
   * The check before lending: nothing for a connection used a moment ago; a non-blocking peek for a
   * pending EOF after that; a PING for one idle long enough to have been dropped silently.
   */
  private boolean isAlive(PooledConnection connection, long now) {
    long idleNanos = now - connection.lastUsedNanos();
    if (idleNanos < aliveBypassNanos) {
      return connection.isUsable();
    }
    if (!connection.peekAlive()) {
      return false;
    }
    if (idleNanos < pingOnBorrowAfterNanos) {
      return true;
    }
    return ping(connection);
  }

  private boolean ping(PooledConnection connection) {
    try {
      connection.ping();
      connection.markUsed(ticker.nanoTime());
      return true;
    } catch (JedisException e) {
      log.debug("{}: PING failed on {}: {}", name, connection, e.toString());
      return false;
    }
  }

  /** Takes a connection back; a broken or unhealthy one is closed and replaced in the background. */
  void release(PooledConnection connection, boolean healthy) {
    connection.returnOnClose(false);
    if (healthy && connection.isUsable()) {
      connection.markUsed(ticker.nanoTime());
      if (!lender.giveBack(connection)) {
        closeSocket(connection);
      }
      return;
    }
    counters.brokenConnections.increment();
    destroy(connection, "broken");
    replacementsOwed.incrementAndGet();
    if (housekeeper != null) {
      housekeeper.wakeUp();
    }
  }

  @Override
  public void giveBack(PooledConnection connection) {
    release(connection, true);
  }

  private void destroy(PooledConnection connection, String why) {
    log.debug("{}: closing {} ({})", name, connection, why);
    closeSocket(connection);
    lender.discard();
  }

  private void closeSocket(PooledConnection connection) {
    connection.closeSocket();
    counters.destroyed.increment();
  }

  // ---- commands ----

  <T> T execute(CommandObject<T> command) {
    for (int attempt = 0; ; attempt++) {
      PooledConnection connection = borrow();
      boolean healthy = false;
      try {
        T result = connection.executeTracked(command);
        healthy = true;
        return result;
      } catch (JedisConnectionException e) {
        if (!mayRetry(attempt, command.getArguments(), connection, e)) {
          throw e;
        }
      } catch (JedisException e) {
        healthy = true; // an error reply: the connection is fine
        throw e;
      } finally {
        release(connection, healthy);
      }
    }
  }

  public Object call(byte[]... commandAndArguments) {
    CommandArguments arguments = RawCommand.arguments(commandAndArguments);
    for (int attempt = 0; ; attempt++) {
      PooledConnection connection = borrow();
      boolean healthy = false;
      try {
        Object reply = connection.callRaw(arguments);
        healthy = true;
        return reply;
      } catch (JedisConnectionException e) {
        if (!mayRetry(attempt, arguments, connection, e)) {
          throw e;
        }
      } finally {
        release(connection, healthy);
      }
    }
  }

  private boolean mayRetry(int attempt, CommandArguments arguments, PooledConnection connection,
      JedisConnectionException failure) {
    boolean retry = attempt == 0 && config.retrySafeCommands() && RetryPolicy.isSafeToRetry(
        arguments, connection.requestMayHaveReachedServer(), failure);
    log.debug("{}: {} failed on {}: {}{}", name, RetryPolicy.commandName(arguments), connection,
        failure.getMessage(), retry ? "; retrying on another connection" : "");
    return retry;
  }

  public <T> T withConnection(ConnectionCallback<T> callback) {
    PooledConnection connection = borrow();
    LeasedConnection lease = new LeasedConnection(connection);
    boolean healthy = false;
    try {
      T result = callback.doWith(lease);
      healthy = true;
      return result;
    } finally {
      lease.invalidate();
      // After an exception the connection may be mid-transaction or mid-reply: never reuse it.
      release(connection, healthy);
    }
  }

  // ---- housekeeping ----

  /**
   * One round of housekeeping at {@code now}: PING idle connections whose heartbeat is due, then
   * open connections owed (replacements and {@code minIdle}). Returns the nanoseconds until the next
   * round is wanted, or -1 once closed.
   */
  long housekeep(long now) {
    if (closed) {
      return -1;
    }
    for (PooledConnection connection : lender.reserveIdleDue(now, PooledConnection::heartbeatDueNanos)) {
      if (ping(connection)) {
        if (!lender.giveBack(connection)) {
          closeSocket(connection);
        }
      } else {
        counters.heartbeatFailures.increment();
        destroy(connection, "heartbeat failed");
        replacementsOwed.incrementAndGet();
      }
    }
    long next = now + Math.min(heartbeat.intervalNanos() / 5, 1_000_000_000L);
    next = Math.min(next, lender.earliestIdle(PooledConnection::heartbeatDueNanos));
    int owed = replacementsOwed.get();
    int wanted = Math.max(owed, lender.idleDeficit(config.minIdle()));
    if (wanted > 0) {
      if (health.claimAttempt(now)) {
        int reserved = lender.reserveForOpening(wanted);
        int replacing = Math.min(reserved, owed);
        replacementsOwed.addAndGet(-replacing);
        if (reserved == 0) {
          replacementsOwed.set(0); // the pool is full again: nothing left to replace
        } else if (housekeeper != null) {
          housekeeper.connectInBackground(() -> openInBackground(reserved, replacing));
        } else {
          openInBackground(reserved, replacing);
        }
      } else {
        next = Math.min(next, health.nextAttemptNanos());
      }
    }
    return Math.max(1_000_000L, next - now);
  }

  /** Opens connections for slots already reserved; stops at the first failure. */
  private void openInBackground(int count, int replacements) {
    for (int i = 0; i < count; i++) {
      PooledConnection connection;
      try {
        connection = open(ticker.nanoTime());
      } catch (JedisException | IllegalArgumentException e) {
        lender.cancelOpening(count - i);
        if (closed) {
          return; // interrupted by close(): not an outage
        }
        replacementsOwed.addAndGet(Math.max(0, replacements - i));
        lender.failWaiters(unreachableException(e));
        if (housekeeper != null) {
          housekeeper.wakeUp();
        }
        return;
      }
      if (i < replacements) {
        counters.reconnects.increment();
      }
      if (!lender.addOpened(connection)) {
        closeSocket(connection);
      }
    }
  }

  // ---- state ----

  public PoolStats stats() {
    return counters.snapshot(lender.counts());
  }

  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (PooledConnection connection : lender.close(closedException())) {
      closeSocket(connection);
    }
    if (housekeeper != null) {
      housekeeper.stop();
    }
    log.info("{}: closed ({})", name, lender.counts());
  }

  private RedisPoolException closedException() {
    return new RedisPoolException(Reason.CLOSED, name + ": the pool is closed", null);
  }

  private RedisPoolException unreachableException(Throwable cause) {
    return new RedisPoolException(Reason.UNREACHABLE, name + ": Redis at " + config.serverUri()
        + " is unreachable (" + health.describe(ticker.nanoTime()) + ")"
        + (cause == null ? "" : ": " + cause.getMessage()), cause);
  }

  @Override
  public String toString() {
    return name + " " + config.serverUri() + " (" + lender.counts() + ")";
  }
}
