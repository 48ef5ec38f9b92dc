package io.github.resilientredis.pool.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * How often idle connections are PINGed. Redis closes a client idle longer than its
 * {@code timeout}; the heartbeat runs at two thirds of it, read from the server with
 * {@code CONFIG GET timeout}. When the server refuses (ACLs, a renamed command) or its timeout is 0,
 * the configured interval is used, so that silently dropped connections are still found.
 */
final class HeartbeatSchedule {

  /** Each connection waits between 80% and 100% of the interval, so they are not pinged together. */
  private static final double MIN_JITTER = 0.8;

  private final long configuredNanos;
  private final long minimumNanos;
  private final boolean fromServerTimeout;
  private volatile long intervalNanos;
  private volatile String source;
  private volatile boolean resolved;

  HeartbeatSchedule(Duration configured, Duration minimum, boolean fromServerTimeout) {
    this.configuredNanos = configured.toNanos();
    this.minimumNanos = minimum.toNanos();
    this.fromServerTimeout = fromServerTimeout;
    this.intervalNanos = configuredNanos;
    this.source = "the heartbeatInterval setting";
    this.resolved = !fromServerTimeout;
  }

  boolean isResolved() {
    return resolved;
  }

  /** Forget what the server said: it may come back with another configuration. */
  void forgetServer() {
    resolved = !fromServerTimeout;
  }

  /**
   * Reads the server's timeout on a fresh connection (before it is lent to anyone), unless that was
   * done already. Returns true when it read it now.
   */
  synchronized boolean resolve(PooledConnection connection) {
    if (resolved) {
      return false;
    }
    try {
      Object reply = connection.callRaw(RawCommand.arguments(bytes("CONFIG"), bytes("GET"),
          bytes("timeout")));
      long serverTimeoutSeconds = parseTimeout(reply);
      if (serverTimeoutSeconds > 0) {
        intervalNanos = Math.max(minimumNanos, Duration.ofSeconds(serverTimeoutSeconds).toNanos() * 2 / 3);
        source = "2/3 of the server's timeout of " + serverTimeoutSeconds + " s";
      } else {
        intervalNanos = configuredNanos;
        source = "the heartbeatInterval setting (the server's timeout is 0)";
      }
    } catch (JedisDataException | IllegalArgumentException e) {
      intervalNanos = configuredNanos;
      source = "the heartbeatInterval setting (CONFIG GET timeout failed: " + e.getMessage() + ")";
    }
    resolved = true;
    return true;
  }

  private static long parseTimeout(Object reply) {
    if (reply instanceof JedisException error) {
      throw new IllegalArgumentException(error.getMessage());
    }
    if (reply instanceof List<?> pair && pair.size() == 2 && pair.get(1) instanceof byte[] value) {
      return Long.parseLong(new String(value, StandardCharsets.US_ASCII).trim());
    }
    throw new IllegalArgumentException("unexpected reply " + reply);
  }

  long intervalNanos() {
    return intervalNanos;
  }

  String source() {
    return source;
  }

  /** A connection's own delay: the interval shortened by up to 20%, at random. */
  long jitteredDelayNanos() {
    double factor = MIN_JITTER + (1 - MIN_JITTER) * ThreadLocalRandom.current().nextDouble();
    return (long) (intervalNanos * factor);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
