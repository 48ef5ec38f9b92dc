package io.github.resilientredis.pool;

import java.time.Duration;
import java.util.List;

/**
 * Where a pool finds its master when it follows Sentinel: the master's name, the sentinels to ask,
 * and how to reach them. Part of {@link RedisPoolConfig}; built by
 * {@link RedisPool.Builder#sentinel(String, String...)} or a {@code redis-sentinel://} URI.
 */
public final class SentinelConfig {

  public static final int DEFAULT_SENTINEL_PORT = 26379;
  /** How often a sentinel is asked for the master when no event has said anything. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  private final String masterName;
  private final List<String> sentinels;
  private final String user;
  private final String password;
  private final boolean ssl;
  private final Duration pollInterval;

  SentinelConfig(String masterName, List<String> sentinels, String user, String password,
      boolean ssl, Duration pollInterval) {
    if (masterName == null || masterName.isBlank()) {
      throw new IllegalArgumentException("sentinel master name must not be empty: '" + masterName
          + "'");
    }
    if (sentinels == null || sentinels.isEmpty()) {
      throw new IllegalArgumentException("sentinel needs at least one sentinel address (host:port)"
          + " for master '" + masterName + "'");
    }
    for (String sentinel : sentinels) {
      port(sentinel); // validates
    }
    if (pollInterval == null || pollInterval.compareTo(Duration.ofMillis(100)) < 0) {
      throw new IllegalArgumentException("sentinelPollInterval must be at least 100 ms: "
          + pollInterval);
    }
    this.masterName = masterName;
    this.sentinels = List.copyOf(sentinels);
    this.user = user;
    this.password = password;
    this.ssl = ssl;
    this.pollInterval = pollInterval;
  }

  /** The name the sentinels monitor the master under ({@code sentinel monitor <name> ...}). */
  public String masterName() { return masterName; }
  /** The sentinels, each {@code host:port} ({@code [v6-address]:port} for IPv6). */
  public List<String> sentinels() { return sentinels; }
  /** The ACL user for the sentinels, or null. */
  public String user() { return user; }
  /** The sentinels' password, or null; never printed. */
  public String password() { return password; }
  /** TLS to the sentinels. */
  public boolean ssl() { return ssl; }
  /** How often a sentinel is asked for the master, as a backstop to its events. */
  public Duration pollInterval() { return pollInterval; }

  /** The host of a {@code host:port} sentinel address. */
  public static String host(String address) {
    int colon = portColon(address);
    String host = colon < 0 ? address : address.substring(0, colon);
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** The port of a {@code host:port} sentinel address; 26379 when none is given. */
  public static int port(String address) {
    if (address == null || address.isBlank() || address.startsWith(":")) {
      throw new IllegalArgumentException("sentinel address must be host:port: '" + address + "'");
    }
    int colon = portColon(address);
    if (colon < 0) {
      return DEFAULT_SENTINEL_PORT;
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("sentinel port must be between 1 and 65535: '" + address
        + "'");
  }

  private static int portColon(String address) {
    int close = address.lastIndexOf(']');
    int colon = address.lastIndexOf(':');
    if (address.startsWith("[")) {
      return colon > close ? colon : -1;
    }
    return address.indexOf(':') == colon ? colon : -1; // a bare IPv6 address has no port
  }

  @Override
  public String toString() {
    return "sentinel " + masterName + " via " + String.join(",", sentinels);
  }
}
