package io.github.resilientredis.pool;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.RedisProtocol;

/**
 * The settings of a {@link RedisPool}, validated and immutable. Built by {@link RedisPool.Builder}.
 */
public final class RedisPoolConfig {

  public static final String DEFAULT_HOST = "localhost";
  public static final int DEFAULT_PORT = 6379;
  public static final int DEFAULT_MAX_TOTAL = 8;
  public static final int DEFAULT_MIN_IDLE = 1;
  public static final Duration DEFAULT_BORROW_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_ALIVE_BYPASS_WINDOW = Duration.ofMillis(500);
  public static final Duration DEFAULT_PING_ON_BORROW_AFTER = Duration.ofSeconds(5);
  public static final Duration DEFAULT_RECONNECT_BACKOFF_MIN = Duration.ofMillis(50);
  public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofMillis(500);
  public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(30);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration DEFAULT_LEAK_DETECTION_THRESHOLD = Duration.ZERO;
  /** The shortest heartbeat the pool runs, whatever the server's timeout. */
  public static final Duration MIN_HEARTBEAT_INTERVAL = Duration.ofMillis(100);

  private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

  private final String name;
  private final String host;
  private final int port;
  private final String user;
  private final String password;
  private final int database;
  private final String clientName;
  private final boolean ssl;
  private final RedisProtocol protocol;
  private final int maxTotal;
  private final int minIdle;
  private final Duration borrowTimeout;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration heartbeatInterval;
  private final boolean heartbeatFromServerTimeout;
  private final Duration aliveBypassWindow;
  private final Duration pingOnBorrowAfter;
  private final Duration reconnectBackoffMin;
  private final Duration reconnectBackoffMax;
  private final boolean retrySafeCommands;
  private final Duration maxLifetime;
  private final Duration idleTimeout;
  private final Duration leakDetectionThreshold;
  private final PoolListener listener;
  private final boolean registerMbeans;
  /** Null unless the master is found through Sentinel. */
  private final SentinelConfig sentinel;

  RedisPoolConfig(Settings s) {
    this.host = requireText("host", s.host);
    this.port = requireRange("port", s.port, 1, 65535);
    this.user = s.user;
    this.password = s.password;
    this.database = requireRange("database", s.database, 0, Integer.MAX_VALUE);
    this.clientName = s.clientName;
    this.ssl = s.ssl;
    this.protocol = s.protocol == null ? RedisProtocol.RESP2 : s.protocol;
    this.maxTotal = requireRange("maxTotal", s.maxTotal, 1, 100_000);
    this.minIdle = requireRange("minIdle", s.minIdle, 0, maxTotal);
    this.borrowTimeout = requireNotNegative("borrowTimeout", s.borrowTimeout);
    this.connectTimeout = requirePositive("connectTimeout", s.connectTimeout);
    this.readTimeout = requirePositive("readTimeout", s.readTimeout);
    this.heartbeatInterval = requireAtLeast("heartbeatInterval", s.heartbeatInterval,
        MIN_HEARTBEAT_INTERVAL);
    this.heartbeatFromServerTimeout = s.heartbeatFromServerTimeout;
    this.aliveBypassWindow = requireNotNegative("aliveBypassWindow", s.aliveBypassWindow);
    this.pingOnBorrowAfter = requireNotNegative("pingOnBorrowAfter", s.pingOnBorrowAfter);
    this.reconnectBackoffMin = requirePositive("reconnectBackoffMin", s.reconnectBackoffMin);
    this.reconnectBackoffMax = requirePositive("reconnectBackoffMax", s.reconnectBackoffMax);
    if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
      throw new IllegalArgumentException("reconnectBackoffMax must be at least reconnectBackoffMin ("
          + reconnectBackoffMin + "): " + reconnectBackoffMax);
    }
    this.retrySafeCommands = s.retrySafeCommands;
    this.maxLifetime = requireNotNegative("maxLifetime", s.maxLifetime);
    this.idleTimeout = requireNotNegative("idleTimeout", s.idleTimeout);
    this.leakDetectionThreshold = requireNotNegative("leakDetectionThreshold",
        s.leakDetectionThreshold);
    if (s.listener == null) {
      throw new IllegalArgumentException("listener must not be null (use PoolListener.NONE)");
    }
    this.listener = s.listener;
    this.registerMbeans = s.registerMbeans;
    this.sentinel = s.sentinelMasterName == null && s.sentinels == null ? null
        : new SentinelConfig(s.sentinelMasterName, s.sentinels, s.sentinelUser, s.sentinelPassword,
            s.sentinelSsl != null ? s.sentinelSsl : ssl, s.sentinelPollInterval);
    this.name = s.name != null ? requireText("name", s.name)
        : "redis-pool-" + POOL_NUMBER.incrementAndGet();
  }

  public String name() { return name; }
  public String host() { return host; }
  public int port() { return port; }
  public String user() { return user; }
  /** The password, or null; never printed by {@link #toString()}. */
  public String password() { return password; }
  public int database() { return database; }
  public String clientName() { return clientName; }
  public boolean ssl() { return ssl; }
  public RedisProtocol protocol() { return protocol; }
  public int maxTotal() { return maxTotal; }
  public int minIdle() { return minIdle; }
  public Duration borrowTimeout() { return borrowTimeout; }
  public Duration connectTimeout() { return connectTimeout; }
  public Duration readTimeout() { return readTimeout; }
  public Duration heartbeatInterval() { return heartbeatInterval; }
  public boolean heartbeatFromServerTimeout() { return heartbeatFromServerTimeout; }
  public Duration aliveBypassWindow() { return aliveBypassWindow; }
  public Duration pingOnBorrowAfter() { return pingOnBorrowAfter; }
  public Duration reconnectBackoffMin() { return reconnectBackoffMin; }
  public Duration reconnectBackoffMax() { return reconnectBackoffMax; }
  public boolean retrySafeCommands() { return retrySafeCommands; }
  /** Zero when connections are never retired for age. */
  public Duration maxLifetime() { return maxLifetime; }
  /** Zero when idle connections are never closed for idleness. */
  public Duration idleTimeout() { return idleTimeout; }
  /** Zero when leak detection is off. */
  public Duration leakDetectionThreshold() { return leakDetectionThreshold; }
  public PoolListener listener() { return listener; }
  public boolean registerMbeans() { return registerMbeans; }
  /** How the master is found through Sentinel, or null when {@link #host()} is the server. */
  public SentinelConfig sentinel() { return sentinel; }

  /**
   * {@code redis://host:port/db} (or {@code rediss://}; {@code redis-sentinel://sentinels/master}
   * when following Sentinel), without credentials: safe to log.
   */
  public String serverUri() {
    if (sentinel != null) {
      return (ssl ? "rediss-sentinel://" : "redis-sentinel://")
          + String.join(",", sentinel.sentinels()) + "/" + sentinel.masterName()
          + (database == 0 ? "" : "/" + database);
    }
    return (ssl ? "rediss://" : "redis://") + (host.contains(":") ? "[" + host + "]" : host) + ":"
        + port + (database == 0 ? "" : "/" + database);
  }

  @Override
  public String toString() {
    return name + "{" + serverUri() + ", maxTotal=" + maxTotal + ", minIdle=" + minIdle
        + ", borrowTimeout=" + borrowTimeout + ", readTimeout=" + readTimeout + "}";
  }

  // The HTTP bridge's BridgeConfig has its own copies of these checks (it uses only the public API),
  // worded the same: change the words in both.
  private static String requireText(String setting, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(setting + " must not be empty: '" + value + "'");
    }
    return value;
  }

  private static int requireRange(String setting, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          setting + " must be between " + min + " and " + max + ": " + value);
    }
    return value;
  }

  private static Duration requireNotNegative(String setting, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(setting + " must be zero or more: " + value);
    }
    return value;
  }

  private static Duration requirePositive(String setting, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be more than zero: " + value);
    }
    return value;
  }

  private static Duration requireAtLeast(String setting, Duration value, Duration min) {
    if (value == null || value.compareTo(min) < 0) {
      throw new IllegalArgumentException(setting + " must be at least " + min + ": " + value);
    }
    return value;
  }

  /** The builder's mutable state; validated once by the constructor above. */
  static final class Settings {
    String name;
    String host = DEFAULT_HOST;
    int port = DEFAULT_PORT;
    String user;
    String password;
    int database;
    String clientName;
    boolean ssl;
    RedisProtocol protocol = RedisProtocol.RESP2;
    int maxTotal = DEFAULT_MAX_TOTAL;
    int minIdle = DEFAULT_MIN_IDLE;
    Duration borrowTimeout = DEFAULT_BORROW_TIMEOUT;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    Duration readTimeout = DEFAULT_READ_TIMEOUT;
    Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    boolean heartbeatFromServerTimeout = true;
    Duration aliveBypassWindow = DEFAULT_ALIVE_BYPASS_WINDOW;
    Duration pingOnBorrowAfter = DEFAULT_PING_ON_BORROW_AFTER;
    Duration reconnectBackoffMin = DEFAULT_RECONNECT_BACKOFF_MIN;
    Duration reconnectBackoffMax = DEFAULT_RECONNECT_BACKOFF_MAX;
    boolean retrySafeCommands = true;
    Duration maxLifetime = DEFAULT_MAX_LIFETIME;
    Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    Duration leakDetectionThreshold = DEFAULT_LEAK_DETECTION_THRESHOLD;
    PoolListener listener = PoolListener.NONE;
    boolean registerMbeans;
    String sentinelMasterName;
    java.util.List<String> sentinels;
    String sentinelUser;
    String sentinelPassword;
    Boolean sentinelSsl;
    Duration sentinelPollInterval = SentinelConfig.DEFAULT_POLL_INTERVAL;

    void applyUri(String text) {
      if (text != null && SentinelUri.isSentinelUri(text)) {
        SentinelUri.apply(text, this);
        return;
      }
      if (text == null || text.isBlank()) {
        throw new IllegalArgumentException("uri must not be empty: '" + text + "'");
      }
      URI uri;
      try {
        uri = new URI(text.trim());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("uri is not a valid URI: '" + text + "' (" + e.getReason()
            + ")", e);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("redis") && !scheme.equals("rediss")) {
        throw new IllegalArgumentException(
            "uri must start with redis://, rediss://, redis-sentinel:// or rediss-sentinel://: '"
                + redact(text) + "'");
      }
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("uri has no host: '" + redact(text) + "'");
      }
      ssl = scheme.equals("rediss");
      host = uri.getHost().startsWith("[")
          ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
      port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
      applyUserInfo(uri.getRawUserInfo());
      applyDatabase(uri.getPath(), text);
      applyQuery(uri.getRawQuery(), text);
    }

    void applyUserInfo(String rawUserInfo) {
      if (rawUserInfo == null || rawUserInfo.isEmpty()) {
        return;
      }
      int colon = rawUserInfo.indexOf(':');
      if (colon < 0) {
        // redis://secret@host is what most clients accept for a password alone.
        password = decode(rawUserInfo);
        return;
      }
      String rawUser = rawUserInfo.substring(0, colon);
      user = rawUser.isEmpty() ? null : decode(rawUser);
      password = decode(rawUserInfo.substring(colon + 1));
    }

    void applyDatabase(String path, String text) {
      if (path == null || path.isEmpty() || path.equals("/")) {
        return;
      }
      String db = path.substring(1);
      try {
        database = Integer.parseInt(db);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "uri database must be a number: '" + db + "' in '" + redact(text) + "'");
      }
    }

    private void applyQuery(String rawQuery, String text) {
      if (rawQuery == null || rawQuery.isEmpty()) {
        return;
      }
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        switch (key) {
          case "clientName", "client_name", "name" -> clientName = value;
          case "database", "db" -> applyDatabase("/" + value, text);
          default -> throw new IllegalArgumentException(
              "uri has an unknown parameter '" + key + "' (known: clientName, database): '"
                  + redact(text) + "'");
        }
      }
    }

    static String decode(String raw) {
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URI with any password replaced, for error messages. */
    static String redact(String text) {
      return text.replaceAll("(?<=://)([^/@]*:)?[^/@]*@", "$1***@");
    }
  }
}
