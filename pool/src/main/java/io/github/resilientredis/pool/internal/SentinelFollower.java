package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.RedisPoolConfig;
import io.github.resilientredis.pool.RedisPoolException;
import io.github.resilientredis.pool.RedisPoolException.Reason;
import io.github.resilientredis.pool.SentinelConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Finds the master through Sentinel and follows it: one {@link SentinelLink} per sentinel hears
 * the failover events, one thread of its own asks the sentinels (a poll, a backstop to the events)
 * and asks servers ROLE, and a {@link MasterSwitch} decides. Borrowers pass through its
 * {@link MasterGate}, closed while a promotion is under way.
 */
final class SentinelFollower implements SentinelLink.Listener {

  private static final Logger log = LoggerFactory.getLogger(SentinelFollower.class);

  /** The pool, told when the master moved (before the gate opens again). */
  interface Owner {
    void masterSwitched(HostAndPort from, HostAndPort to);
  }

  private final String poolName;
  private final SentinelConfig sentinel;
  private final Ticker ticker;
  private final Owner owner;
  private final MasterGate gate = new MasterGate();
  private final MasterSwitch state;
  private final List<SentinelLink> links = new ArrayList<>();
  /** ROLE connections by server; only the follower's thread uses them. */
  private final Map<HostAndPort, NodeConnection> probes = new HashMap<>();
  private final int connectTimeoutMillis;
  private final int readTimeoutMillis;
  private final boolean ssl;
  private final String user;
  private final String password;
  private final long pingIntervalNanos;
  private final Thread thread;
  /**
   * Open once a sentinel's events are subscribed: a pool that lends before it hears the events
   * misses a failover that starts at once, and keeps writing to the old master until the poll.
   */
  private final CountDownLatch firstSubscription = new CountDownLatch(1);
  /** The master connections are opened to: the last one confirmed. */
  private volatile HostAndPort target;
  private volatile boolean closed;
  /** Bumped by every event, so the thread never sleeps through one. */
  private long wakeups;
  private int preferredLink;
  private long nextPingNanos;

  SentinelFollower(RedisPoolConfig config, Ticker ticker, Owner owner) {
    this.poolName = config.name();
    this.sentinel = config.sentinel();
    this.ticker = ticker;
    this.owner = owner;
    this.connectTimeoutMillis = millis(config.connectTimeout().toMillis());
    this.readTimeoutMillis = millis(config.readTimeout().toMillis());
    this.ssl = config.ssl();
    this.user = config.user();
    this.password = config.password();
    this.pingIntervalNanos = sentinel.pollInterval().toNanos();
    this.state = new MasterSwitch(sentinel.masterName(), pingIntervalNanos, ticker.nanoTime());
    // A subscription hears a PONG every poll interval: three missed ones mean the sentinel is gone.
    int subscribeTimeout = millis(3 * sentinel.pollInterval().toMillis() + readTimeoutMillis);
    SentinelLink.Settings settings = new SentinelLink.Settings(connectTimeoutMillis,
        readTimeoutMillis, subscribeTimeout, sentinel.ssl(), sentinel.user(), sentinel.password(),
        config.reconnectBackoffMin().toNanos(), config.reconnectBackoffMax().toNanos());
    for (String address : sentinel.sentinels()) {
      links.add(new SentinelLink(poolName, new HostAndPort(SentinelConfig.host(address),
          SentinelConfig.port(address)), settings, this));
    }
    this.thread = new Thread(this::run, poolName + "-sentinel-follower");
    thread.setDaemon(true);
  }

  /**
   * Looks for the master for up to {@code connectTimeout} (so a pool built while the sentinels
   * answer starts ready), then follows it in the background; when the master was found, waits up
   * to {@code connectTimeout} more for a sentinel's events to be subscribed, so that a failover
   * starting right after the pool is built is followed from its first event.
   */
  void start() {
    long deadline = ticker.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
    while (target == null && ticker.nanoTime() - deadline < 0) {
      if (!step()) {
        break; // nothing to do until later: the background thread carries on
      }
    }
    if (target == null) {
      log.warn("{}: no master found yet for '{}' from sentinels {}; looking in the background",
          poolName, sentinel.masterName(), sentinel.sentinels());
    }
    links.forEach(SentinelLink::start);
    thread.start();
    if (target != null) {
      awaitFirstSubscription();
    }
  }

  private void awaitFirstSubscription() {
    try {
      if (!firstSubscription.await(connectTimeoutMillis, TimeUnit.MILLISECONDS)) {
        log.warn("{}: no sentinel of {} took the event subscription within {} ms; following by"
            + " polling until one does", poolName, sentinel.sentinels(), connectTimeoutMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Holds a borrower while lending is stopped (a failover under way, no master known yet), up to
   * {@code timeoutNanos}. Returns 0 when it did not wait, else when it started waiting.
   */
  long holdWhileSwitching(long timeoutNanos) {
    if (gate.isOpen()) {
      return 0;
    }
    long start = ticker.nanoTime() | 1; // never 0
    try {
      if (gate.await(start + timeoutNanos, ticker)) {
        return start;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisPoolException(Reason.INTERRUPTED, poolName + ": interrupted while waiting"
          + " for the master", e);
    }
    throw new RedisPoolException(Reason.TIMEOUT, poolName + ": no master to lend within "
        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms: "
        + (target == null ? "no sentinel has named one yet" : "a failover is under way")
        + " (sentinels " + sentinel.sentinels() + ", master '" + sentinel.masterName() + "')", null);
  }

  /** The master to open connections to, or null before one was found. */
  HostAndPort target() {
    return target;
  }

  /** A command got -READONLY on a connection to the current master. */
  void onReadOnly() {
    synchronized (this) {
      state.onReadOnly(ticker.nanoTime());
      publishAndWake();
    }
  }

  /** The master refused a connection: ask the sentinels now rather than at the next poll. */
  void onConnectFailure() {
    askNow();
  }

  private void askNow() {
    synchronized (this) {
      state.askNow(ticker.nanoTime());
      publishAndWake();
    }
  }

  @Override
  public void onEvent(SentinelLink link, SentinelEvent event) {
    synchronized (this) {
      boolean wasPaused = state.isPaused();
      state.onEvent(link.address().toString(), event, ticker.nanoTime());
      if (!wasPaused && state.isPaused()) {
        log.info("{}: failover of '{}' under way ({} from sentinel {}): holding borrowers until {}"
            + " is master", poolName, sentinel.masterName(), event.kind(), link.address(),
            state.candidate());
      } else if (wasPaused && !state.isPaused()) {
        log.info("{}: failover of '{}' aborted: back to {}", poolName, sentinel.masterName(),
            state.master());
      }
      publishAndWake();
    }
  }

  @Override
  public void onSubscribed(SentinelLink link) {
    firstSubscription.countDown();
    askNow(); // events may have been missed while it was away
  }

  void close() {
    closed = true;
    gate.set(true); // lets held borrowers through to the closed pool, which fails them at once
    thread.interrupt();
    links.forEach(SentinelLink::close);
  }

  private void publishAndWake() {
    gate.set(state.servingMaster() != null);
    wakeups++;
    notifyAll();
  }

  private void run() {
    try {
      while (!closed) {
        boolean worked;
        try {
          worked = step();
        } catch (RuntimeException e) {
          log.warn("{}: following the sentinels failed; carrying on: {}", poolName, e.toString());
          worked = false;
        }
        if (!worked) {
          waitForWork();
        }
      }
    } catch (InterruptedException e) {
      // closing
    } finally {
      probes.values().forEach(NodeConnection::closeQuietly);
      probes.clear();
    }
  }

  /** Does what the state asks now; false when there was nothing to do. */
  private boolean step() {
    long now = ticker.nanoTime();
    MasterSwitch.Plan plan;
    synchronized (this) {
      plan = state.plan(now);
    }
    if (now - nextPingNanos >= 0) {
      nextPingNanos = now + pingIntervalNanos;
      links.forEach(SentinelLink::ping);
    }
    if (plan.askSentinels()) {
      NodeConnection.MasterInfo named = askSentinels();
      synchronized (this) {
        if (named != null) {
          state.onSentinelAnswer(named.address(), named.configEpoch(), ticker.nanoTime());
        } else {
          state.onSentinelsSilent(ticker.nanoTime());
        }
        publishAndWake();
      }
    }
    if (plan.probe() != null) {
      MasterSwitch.Role role = role(plan.probe());
      MasterSwitch.Switch moved;
      synchronized (this) {
        moved = state.onRole(plan.probe(), role, ticker.nanoTime());
      }
      if (moved != null) {
        switchTo(moved);
      }
      synchronized (this) {
        publishAndWake();
      }
    }
    return !plan.isEmpty();
  }

  private void switchTo(MasterSwitch.Switch moved) {
    target = moved.to();
    owner.masterSwitched(moved.from(), moved.to()); // retires the old master's connections
    if (moved.from() == null) {
      log.info("{}: master of '{}' is {} (ROLE master)", poolName, sentinel.masterName(),
          moved.to());
    } else {
      log.info("{}: master of '{}' moved from {} to {} (ROLE master); borrowers were held {} ms",
          poolName, sentinel.masterName(), moved.from(), moved.to(),
          TimeUnit.NANOSECONDS.toMillis(moved.pausedNanos()));
    }
    probes.entrySet().removeIf(entry -> {
      if (entry.getKey().equals(moved.to())) {
        return false;
      }
      entry.getValue().closeQuietly();
      return true;
    });
  }

  private synchronized void waitForWork() throws InterruptedException {
    long seen = wakeups;
    while (wakeups == seen && !closed) {
      long now = ticker.nanoTime();
      long wait = Math.min(state.nextDueNanos(now) - now, nextPingNanos - now);
      if (wait <= 0) {
        return;
      }
      TimeUnit.NANOSECONDS.timedWait(this, wait);
    }
  }

  /** The master the first sentinel that answers names, or null when none answered. */
  private NodeConnection.MasterInfo askSentinels() {
    for (int i = 0; i < links.size(); i++) {
      int index = (preferredLink + i) % links.size();
      SentinelLink link = links.get(index);
      if (!link.mayAsk()) {
        continue;
      }
      try {
        NodeConnection.MasterInfo named = link.askMaster(sentinel.masterName());
        if (named != null) {
          preferredLink = index;
          return named;
        }
      } catch (RuntimeException e) { // a JedisException, or a reply of an unexpected shape
        log.debug("{}: sentinel {} did not answer: {}", poolName, link.address(), e.toString());
      }
    }
    return null;
  }

  private MasterSwitch.Role role(HostAndPort node) {
    NodeConnection connection = probes.get(node);
    try {
      if (connection == null) {
        connection = NodeConnection.open(node, connectTimeoutMillis, readTimeoutMillis, ssl, user,
            password);
        probes.put(node, connection);
      }
      String role = connection.role();
      return role.equals("master") ? MasterSwitch.Role.MASTER
          : role.equals("slave") ? MasterSwitch.Role.REPLICA : MasterSwitch.Role.UNKNOWN;
    } catch (JedisException e) {
      log.debug("{}: ROLE on {} failed: {}", poolName, node, e.toString());
      NodeConnection broken = probes.remove(node);
      if (broken != null) {
        broken.closeQuietly();
      }
      return MasterSwitch.Role.UNKNOWN;
    }
  }

  private static int millis(long value) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, value));
  }
}
