package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.PoolListener;
import io.github.resilientredis.pool.PoolListener.CloseReason;
import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPoolConfig;
import io.github.resilientredis.pool.RedisPoolException;
import io.github.resilientredis.pool.RedisPoolException.Reason;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's machinery: lends connections after a cheap check ({@link LivenessCheck}), takes them
 * back, replaces broken ones, keeps idle ones alive and retires old ones. {@code RedisPool} is its
 * public face.
 *
 * <p>Threads: borrowers call {@link #borrow} and {@link #release} (through {@link CommandRunner},
 * which callers hold); one housekeeper thread runs
 * {@link #housekeep(long)} (heartbeats, retirement, leak reports, refills) and one connector thread
 * opens connections in the background, so a slow connect never delays a heartbeat.
 */
public final class PoolCore implements ConnectionSource, ConnectionOwner,
    SentinelFollower.Owner {

  private static final Logger log = LoggerFactory.getLogger(PoolCore.class);
  private static final long MAX_HOUSEKEEPING_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long STATS_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final RedisPoolConfig config;
  private final String name;
  private final Ticker ticker;
  private final Lender<PooledConnection> lender;
  private final ConnectionFactory factory;
  private final ServerHealth health;
  private final HeartbeatSchedule heartbeat;
  private final LivenessCheck liveness;
  private final PoolCounters counters = new PoolCounters();
  private final SafeListener listener;
  private final CommandRunner commands;
  private final Housekeeper housekeeper;
  private final RedisClient client;
  private final PoolMBean mbean;
  /** Null unless the master is found through Sentinel. */
  private final SentinelFollower sentinel;
  private final long borrowTimeoutNanos;
  private final long idleTimeoutNanos;
  /** Whether a return must read the clock: only to tell a listener or the leak detector. */
  private final boolean needsReturnTime;
  /** Null unless leak detection is on. */
  private final LeakDetector leaks;
  /** Connections discarded after a failure or retired, not yet replaced in the background. */
  private final AtomicInteger replacementsOwed = new AtomicInteger();
  /** Raised by soft-evict: connections opened in an older generation are closed on sight. */
  private volatile int generation;
  private volatile boolean closed;
  private volatile boolean started;
  private long lastStatsLogNanos;

  public PoolCore(RedisPoolConfig config) {
    this(config, Ticker.SYSTEM, true, null);
  }

  /** A pool whose background work runs on threads shared with other pools (a cluster's nodes). */
  public PoolCore(RedisPoolConfig config, HousekeepingThreads sharedThreads) {
    this(config, Ticker.SYSTEM, true, sharedThreads);
  }

  /** With {@code startThreads} false nothing runs in the background: tests call {@link #housekeep}. */
  PoolCore(RedisPoolConfig config, Ticker ticker, boolean startThreads) {
    this(config, ticker, startThreads, null);
  }

  private PoolCore(RedisPoolConfig config, Ticker ticker, boolean startThreads,
      HousekeepingThreads sharedThreads) {
    this.config = config;
    this.name = config.name();
    this.ticker = ticker;
    this.lender = new Lender<>(config.maxTotal());
    this.sentinel = config.sentinel() == null ? null : new SentinelFollower(config, ticker, this);
    this.factory = new ConnectionFactory(config, this, sentinel == null ? null : sentinel::target);
    this.health = new ServerHealth(name, config.serverUri(),
        config.reconnectBackoffMin().toNanos(), config.reconnectBackoffMax().toNanos());
    this.heartbeat = new HeartbeatSchedule(config.heartbeatInterval(),
        RedisPoolConfig.MIN_HEARTBEAT_INTERVAL, config.heartbeatFromServerTimeout());
    this.liveness = new LivenessCheck(name, ticker, config.aliveBypassWindow().toNanos(),
        config.pingOnBorrowAfter().toNanos());
    this.listener = new SafeListener(name, config.listener());
    this.commands = new CommandRunner(this, name, config.retrySafeCommands(),
        config.borrowTimeout().toNanos(), ticker);
    this.borrowTimeoutNanos = config.borrowTimeout().toNanos();
    this.idleTimeoutNanos = config.idleTimeout().toNanos();
    long leakThresholdNanos = config.leakDetectionThreshold().toNanos();
    this.leaks = leakThresholdNanos > 0 ? new LeakDetector(name, leakThresholdNanos) : null;
    this.needsReturnTime = leaks != null || config.listener() != PoolListener.NONE;
    PoolCommandExecutor executor = new PoolCommandExecutor(commands, this);
    this.client = RedisClient.builder()
        .clientConfig(factory.jedisConfig())
        .connectionProvider(executor)
        .commandExecutor(executor)
        .build();
    this.housekeeper = startThreads ? new Housekeeper(name, this, ticker, sharedThreads) : null;
    this.mbean = config.registerMbeans() ? PoolMBean.register(this) : null;
    warmUp();
  }

  /** Opens the first connection now, to learn the heartbeat and to say in one line how we started. */
  private void warmUp() {
    if (sentinel != null) {
      sentinel.start(); // finds the master first
    }
    if (config.minIdle() > 0 && lender.reserveForOpening(1) == 1) {
      openInBackground(1, 0);
    }
    log.info("{}: started for {} (maxTotal={}, minIdle={}, borrowTimeout={} ms), heartbeat every {}"
            + " ms from {}", name, config.serverUri(), config.maxTotal(), config.minIdle(),
        config.borrowTimeout().toMillis(), heartbeat.intervalNanos() / 1_000_000,
        heartbeat.isResolved() ? heartbeat.source()
            : "the heartbeatInterval setting until Redis answers");
    started = true;
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

  /** Runs commands on this pool's connections: what {@code RedisPool} calls. */
  public CommandRunner commands() {
    return commands;
  }

  // ---- lending ----

  /**
   * Lends a connection, or throws {@link RedisPoolException}; with {@code verify}, one proven alive
   * by a PING (or freshly opened), as a retry after a transport error needs: the event that broke
   * one connection (a kill, a restart) has often broken the others too, and their FIN may not have
   * arrived yet.
   */
  @Override
  public PooledConnection borrow(boolean verify) {
    long waitStart = sentinel == null ? 0 : sentinel.holdWhileSwitching(borrowTimeoutNanos);
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
      if (verify ? liveness.isVerifiedAlive(connection, now, generation)
          : liveness.isAlive(connection, now, generation)) {
        long waited = waitStart == 0 ? 0 : now - waitStart;
        counters.recordBorrow(waited);
        connection.markLent(now, leaks == null ? null : leaks.borrowed(connection));
        listener.borrowed(waited);
        return connection;
      }
      destroy(connection, connection.generation() != generation ? CloseReason.EVICTED
          : CloseReason.STALE);
      if (attempt > config.maxTotal() + 1) {
        // Every idle connection was dead and fresh ones die at once: give up rather than spin.
        throw new RedisPoolException(Reason.UNREACHABLE, name + ": connections to "
            + config.serverUri() + " die as soon as they are opened", health.lastFailure());
      }
    }
  }

  /**
   * Sentinel moved the master (new connections already go to {@code to}): the old master's idle
   * connections close at once (the housekeeper is woken), lent ones when they come back.
   */
  @Override
  public void masterSwitched(HostAndPort from, HostAndPort to) {
    health.forgetFailures();
    if (from != null) {
      softEvictConnections();
    }
  }

  @Override
  public boolean readOnlyReply(PooledConnection connection) {
    if (sentinel == null) {
      return false;
    }
    if (connection.generation() == generation) {
      sentinel.onReadOnly();
    }
    return true;
  }

  private Grant awaitGrant(Waiter waiter, long deadlineNanos) {
    Grant grant;
    try {
      grant = waiter.await(deadlineNanos, ticker);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Grant late = lender.withdraw(waiter);
      if (late instanceof PooledConnection connection) {
        giveBackUnused(connection);
      } else if (late != null) {
        lender.discard();
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
      connection = factory.open(now, heartbeat.jitteredDelayNanos(), generation);
    } catch (JedisException e) {
      if (closed) {
        throw e;
      }
      counters.connectFailures.increment();
      health.onFailure(e, ticker.nanoTime());
      if (sentinel != null) {
        sentinel.onConnectFailure();
      }
      heartbeat.forgetServer();
      throw e;
    }
    counters.created.increment();
    listener.created();
    health.onSuccess(ticker.nanoTime());
    if (!heartbeat.isResolved() && heartbeat.resolve(connection)) {
      connection.heartbeatDelayNanos(heartbeat.jitteredDelayNanos());
      if (started) { // at start the one "started" line says it
        log.info("{}: heartbeat every {} ms from {}", name, heartbeat.intervalNanos() / 1_000_000,
            heartbeat.source());
      }
    }
    return connection;
  }

  /**
   * Takes a connection back. A broken one is closed and replaced in the background; one that is
   * retired or evicted is closed; the others go to the next waiter or the idle queue.
   */
  @Override
  public void release(PooledConnection connection, boolean healthy) {
    connection.returnOnClose(false);
    // Reading the clock costs 30-40 ns on some VMs, as much as the rest of a return. Without a
    // listener or leak detection to tell the hold time to, the time it was lent will do: idle
    // times then look longer by the hold time, so a check or heartbeat comes early, never late.
    long now = needsReturnTime ? ticker.nanoTime() : connection.lentAtNanos();
    if (leaks != null) {
      leaks.returned(connection, now);
    }
    listener.returned(now - connection.lentAtNanos());
    if (!healthy || !connection.isUsable()) {
      liveness.transportErrorAt(ticker.nanoTime());
      counters.brokenConnections.increment();
      destroyAndReplace(connection, CloseReason.BROKEN);
    } else if (connection.generation() != generation) {
      destroy(connection, CloseReason.EVICTED);
    } else if (connection.isRetired(now)) {
      destroyAndReplace(connection, CloseReason.MAX_LIFETIME);
    } else {
      connection.markReturned(now);
      giveBackUnused(connection, now);
    }
  }

  private void giveBackUnused(PooledConnection connection) {
    giveBackUnused(connection, ticker.nanoTime());
  }

  private void giveBackUnused(PooledConnection connection, long now) {
    connection.markUsed(now);
    if (!lender.giveBack(connection)) {
      closeSocket(connection, CloseReason.POOL_CLOSED);
    }
  }

  @Override
  public void giveBack(PooledConnection connection) {
    release(connection, true);
  }

  private void destroyAndReplace(PooledConnection connection, CloseReason reason) {
    destroy(connection, reason);
    replacementsOwed.incrementAndGet();
    if (housekeeper != null) {
      housekeeper.wakeUp();
    }
  }

  private void destroy(PooledConnection connection, CloseReason reason) {
    log.debug("{}: closing {} ({})", name, connection, reason);
    closeSocket(connection, reason);
    lender.discard();
  }

  private void closeSocket(PooledConnection connection, CloseReason reason) {
    connection.closeSocket();
    counters.destroyed.increment();
    listener.destroyed(reason);
  }

  /** Closes idle connections at the next housekeeping round and lent ones when they come back. */
  public synchronized void softEvictConnections() {
    generation++; // written only here, under this monitor; read without it everywhere
    log.info("{}: soft-evicting every connection ({})", name, lender.counts());
    if (housekeeper != null) {
      housekeeper.wakeUp();
    }
  }

  // ---- housekeeping ----

  /**
   * One round of housekeeping at {@code now}: close idle connections that were evicted, retired or
   * idle too long; PING those whose heartbeat is due; report leaks; open the connections owed
   * (replacements and {@code minIdle}). Returns the nanoseconds until the next round is wanted, or
   * -1 once closed.
   */
  long housekeep(long now) {
    if (closed) {
      return -1;
    }
    int current = generation;
    for (PooledConnection c : lender.reserveIdleWhere(
        c -> c.generation() != current || c.isRetired(now), 0)) {
      if (c.generation() != current) {
        destroy(c, CloseReason.EVICTED);
      } else {
        destroy(c, CloseReason.MAX_LIFETIME);
        replacementsOwed.incrementAndGet();
      }
    }
    if (idleTimeoutNanos > 0) {
      for (PooledConnection c : lender.reserveIdleWhere(
          c -> now - c.idleSinceNanos() >= idleTimeoutNanos, config.minIdle())) {
        destroy(c, CloseReason.IDLE_TIMEOUT);
      }
    }
    for (PooledConnection c : lender.reserveIdleWhere(c -> c.heartbeatDueNanos() - now <= 0, 0)) {
      heartbeat(c);
    }
    if (leaks != null) {
      leaks.report(now);
    }
    long next = refill(now, now + Math.min(heartbeat.intervalNanos() / 5, MAX_HOUSEKEEPING_PAUSE_NANOS));
    next = Math.min(next, lender.earliestIdle(c -> Math.min(c.heartbeatDueNanos(), c.retireAtNanos())));
    logStatsNow(now);
    return Math.max(1_000_000L, next - now);
  }

  private void heartbeat(PooledConnection connection) {
    JedisException failure = liveness.pingFailure(connection);
    if (failure == null) {
      giveBackUnused(connection);
      return;
    }
    counters.heartbeatFailures.increment();
    listener.heartbeatFailed(failure);
    log.debug("{}: heartbeat failed on {}: {}", name, connection, failure.toString());
    destroyAndReplace(connection, CloseReason.HEARTBEAT_FAILED);
  }

  /** Starts opening the connections owed; returns when the next round is wanted. */
  private long refill(long now, long next) {
    int owed = replacementsOwed.get();
    int wanted = Math.max(owed, lender.idleDeficit(config.minIdle()));
    if (wanted == 0) {
      return next;
    }
    if (!health.claimAttempt(now)) {
      return Math.min(next, health.nextAttemptNanos());
    }
    int reserved = lender.reserveForOpening(wanted);
    if (reserved == 0) {
      replacementsOwed.set(0); // the pool is full again: nothing left to replace
      return next;
    }
    int replacing = Math.min(reserved, owed);
    replacementsOwed.addAndGet(-replacing);
    if (housekeeper != null) {
      housekeeper.connectInBackground(() -> openInBackground(reserved, replacing));
    } else {
      openInBackground(reserved, replacing);
    }
    return next;
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
        listener.reconnected();
      }
      if (!lender.addOpened(connection)) {
        closeSocket(connection, CloseReason.POOL_CLOSED);
      }
    }
  }

  private void logStatsNow(long now) {
    if (log.isDebugEnabled() && now - lastStatsLogNanos >= STATS_LOG_INTERVAL_NANOS) {
      lastStatsLogNanos = now;
      log.debug("{}: {}", name, stats());
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
      closeSocket(connection, CloseReason.POOL_CLOSED);
    }
    if (housekeeper != null) {
      housekeeper.stop();
    }
    if (sentinel != null) {
      sentinel.close();
    }
    if (mbean != null) {
      mbean.unregister();
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
