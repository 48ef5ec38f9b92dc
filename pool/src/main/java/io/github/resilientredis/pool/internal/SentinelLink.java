package io.github.resilientredis.pool.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One sentinel: a thread that holds a subscription to its failover events and reconnects with
 * capped, jittered back-off when it is lost, plus a second connection for questions
 * ({@link #askMaster}), used only by the follower's thread. Logs one line when the sentinel is
 * lost and one when it is back.
 */
final class SentinelLink {

  private static final Logger log = LoggerFactory.getLogger(SentinelLink.class);

  /** What a link tells its follower. */
  interface Listener {
    void onEvent(SentinelLink link, SentinelEvent event);

    /** The subscription is (again) in place: events may have been missed meanwhile. */
    void onSubscribed(SentinelLink link);
  }

  private final String poolName;
  private final HostAndPort address;
  private final Settings settings;
  private final Listener listener;
  private final Thread thread;
  private volatile boolean closed;
  private volatile NodeConnection subscriber;
  /** Whether the last attempt to reach this sentinel failed (for the one log line each way). */
  private volatile boolean down;
  private volatile boolean everTried;
  private long downSinceNanos;
  /** Only touched by the follower's thread. */
  private NodeConnection commands;

  /** How to reach the sentinels. */
  record Settings(int connectTimeoutMillis, int readTimeoutMillis, int subscribeReadTimeoutMillis,
      boolean ssl, String user, String password, long backoffMinNanos, long backoffMaxNanos) {}

  SentinelLink(String poolName, HostAndPort address, Settings settings, Listener listener) {
    this.poolName = poolName;
    this.address = address;
    this.settings = settings;
    this.listener = listener;
    this.thread = new Thread(this::run, poolName + "-sentinel-" + address);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  HostAndPort address() {
    return address;
  }

  /**
   * Whether the follower may ask this sentinel: its subscription is up, or it was never tried
   * (at start). A sentinel known to be down is not asked, so that one that hangs cannot stall
   * the follower while a failover needs it.
   */
  boolean mayAsk() {
    return subscriber != null || !everTried;
  }

  /** The master this sentinel names; throws a {@code JedisException} when it cannot be asked. */
  NodeConnection.MasterInfo askMaster(String masterName) {
    try {
      if (commands == null || commands.isBroken()) {
        closeCommands();
        commands = NodeConnection.open(address, settings.connectTimeoutMillis(),
            settings.readTimeoutMillis(), settings.ssl(), settings.user(), settings.password());
      }
      return commands.masterInfo(masterName);
    } catch (JedisException | NumberFormatException e) {
      closeCommands();
      throw e;
    }
  }

  /** PINGs the subscription so that a sentinel that went silent is noticed by its read timeout. */
  void ping() {
    NodeConnection s = subscriber;
    if (s != null) {
      try {
        s.sendPing();
      } catch (JedisException e) {
        s.closeQuietly(); // the reader sees it and reconnects
      }
    }
  }

  void close() {
    closed = true;
    thread.interrupt();
    NodeConnection s = subscriber;
    if (s != null) {
      s.closeQuietly();
    }
    closeCommands();
  }

  private void closeCommands() {
    if (commands != null) {
      commands.closeQuietly();
      commands = null;
    }
  }

  private void run() {
    int failures = 0;
    while (!closed) {
      try {
        subscribeAndListen();
        failures = 0;
      } catch (RuntimeException e) {
        everTried = true;
        if (closed) {
          return;
        }
        if (!down) {
          down = true;
          downSinceNanos = System.nanoTime();
          log.warn("{}: sentinel {} unreachable, reconnecting in the background: {}", poolName,
              address, e.getMessage());
        }
        failures++;
      }
      if (!pause(failures)) {
        return;
      }
    }
  }

  private void subscribeAndListen() {
    NodeConnection connection = NodeConnection.open(address, settings.connectTimeoutMillis(),
        settings.subscribeReadTimeoutMillis(), settings.ssl(), settings.user(), settings.password());
    try {
      connection.psubscribe(SentinelEvent.PATTERNS);
      everTried = true;
      subscriber = connection;
      if (down) {
        down = false;
        log.info("{}: sentinel {} reachable again after {} ms", poolName, address,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSinceNanos));
      }
      listener.onSubscribed(this);
      while (!closed) {
        Object message = connection.getOne();
        SentinelEvent event = parse(message);
        if (event != null) {
          listener.onEvent(this, event);
        }
      }
    } finally {
      subscriber = null;
      connection.closeQuietly();
    }
  }

  /** A {@code pmessage} reply parsed as an event; null for PONGs and events not followed. */
  private static SentinelEvent parse(Object message) {
    if (message instanceof List<?> parts && parts.size() == 4 && parts.get(0) instanceof byte[] kind
        && "pmessage".equals(text(kind)) && parts.get(2) instanceof byte[] channel
        && parts.get(3) instanceof byte[] payload) {
      return SentinelEvent.parse(text(channel), text(payload));
    }
    return null;
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Back-off before the next attempt: doubling from the minimum to the maximum, jittered. */
  private boolean pause(int failures) {
    if (failures == 0) {
      return !closed;
    }
    long base = settings.backoffMinNanos() << Math.min(failures - 1, 20);
    if (base <= 0 || base > settings.backoffMaxNanos()) {
      base = settings.backoffMaxNanos();
    }
    long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    try {
      TimeUnit.NANOSECONDS.sleep(jittered);
      return !closed;
    } catch (InterruptedException e) {
      return false;
    }
  }
}
