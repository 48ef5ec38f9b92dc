package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.RedisCluster;
import io.github.resilientredis.pool.RedisPool;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's settings, validated and immutable. Every setting is named in messages as its
 * command-line flag without the dashes, so an error points at what to change.
 */
final class BridgeConfig {

  static final String DEFAULT_REDIS = "redis://localhost:6379";
  static final String DEFAULT_HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 7379;
  static final PathStyle DEFAULT_PATH_STYLE = PathStyle.WEBDIS;
  static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  static final Duration DEFAULT_BORROW_TIMEOUT = Duration.ofSeconds(2);
  /**
   * Request threads on a bounded pool of platform threads (the JDK's server without virtual
   * threads). Fewer than 50 wrk connections on purpose: with a thread per connection every
   * request wakes a parked thread, while a little queueing lets a thread that finishes take the
   * next request at once (32 against 64: about 15% more requests/s and less CPU per request,
   * BENCHMARKS.md, "The bridge against Webdis").
   */
  static final int DEFAULT_MAX_CONCURRENT = 32;
  /**
   * Requests handled at once with a thread per request (virtual threads, robaho's server), where
   * a {@link ConcurrencyGate} counts them. There every connection keeps its own thread whatever
   * the bound, so queueing saves no wake-up: a request over the bound parks on the gate and is
   * woken again. With 32 under wrk's 50 connections 42% of requests did, and the bridge spent
   * about 7% more CPU per GET than with the bound above 50 (BENCHMARKS.md, "The bridge against
   * Webdis").
   */
  static final int DEFAULT_MAX_CONCURRENT_THREAD_PER_REQUEST = 256;
  static final int DEFAULT_PIPELINE_LANES = 2;
  static final int DEFAULT_MAX_QUEUED = 1024;
  static final int DEFAULT_MAX_BODY = 16 * 1024 * 1024;
  static final int DEFAULT_MAX_URL = 64 * 1024;
  static final int DEFAULT_MAX_ARGS = 100_000;
  static final int DEFAULT_MAX_PIPELINE = 10_000;
  static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(2);
  static final int DEFAULT_MAX_BLOCKING = 4;
  /** With a thread per request; on the JDK's server with platform threads max-concurrent / 2. */
  static final int DEFAULT_MAX_SUBSCRIBERS = 10_000;
  static final int DEFAULT_PUBSUB_CONNECTIONS = 2;
  /** A client that left is noticed within one of these (a keepalive is two writes). */
  static final Duration DEFAULT_STREAM_KEEPALIVE = Duration.ofMillis(600);
  /**
   * How often a held request whose departure is watched ({@link DepartureWatch}) writes a
   * keepalive anyway: for proxies and idle timers on the way, and for the server's own limit on
   * a silent request (robaho's maxReqTime, request-read-timeout): at most half of that.
   */
  static final Duration WATCHED_KEEPALIVE = Duration.ofSeconds(10);
  /**
   * The same where the server puts no limit on a silent reply (the bridge's epoll server): only
   * for proxies, whose idle timeouts are commonly 60 s (nginx's proxy_read_timeout).
   */
  static final Duration PROXY_KEEPALIVE = Duration.ofSeconds(30);
  static final Duration DEFAULT_REQUEST_READ_TIMEOUT = Duration.ofSeconds(30);
  static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofSeconds(30);
  static final Duration DEFAULT_MAX_POLL = Duration.ofSeconds(120);
  static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
  /** A blocking command's reply must arrive this long before the command timeout fires. */
  static final Duration BLOCK_MARGIN = Duration.ofMillis(250);
  /** The largest body the bridge can hold in one array. */
  static final int MAX_BODY_LIMIT = Integer.MAX_VALUE - 16;

  final String redisUri;
  final String redisDisplay;
  final String host;
  final int port;
  /** Every accepted token and the Redis user it runs as; empty: no auth. */
  final List<TokenSpec> tokens;
  final PathStyle pathStyle;
  final int poolSize;
  final Duration commandTimeout;
  final Duration connectTimeout;
  final Duration borrowTimeout;
  final int maxConcurrent;
  final int pipelineLanes;
  final int maxQueued;
  final int maxBody;
  final int maxUrl;
  final int maxArgs;
  final int maxPipeline;
  final Duration maxBlock;
  final int maxBlocking;
  final int maxSubscribers;
  final int pubsubConnections;
  final Duration streamKeepalive;
  final Duration requestReadTimeout;
  /** How long an idle keep-alive connection stays open (set in the epoll server directly). */
  final Duration keepAliveIdle;
  final Duration maxPoll;
  final Cors cors;
  final Set<String> allow;
  final Set<String> deny;
  final Set<String> allowDangerous;
  final boolean allowAllDangerous;
  final Duration shutdownGrace;
  final String httpServer;
  final HttpServerChoice.Threads threads;
  /** Null: plain HTTP. */
  final SSLContext tls;

  BridgeConfig(Settings s) {
    this.redisUri = requireText("redis", s.redisUri);
    String display;
    try {
      display = RedisBackend.isClusterUri(redisUri) ? RedisCluster.builder().uri(redisUri).display()
          : RedisPool.builder().uri(redisUri).buildConfig().serverUri();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("redis: " + e.getMessage(), e);
    }
    this.redisDisplay = display;
    this.host = requireText("host", s.host);
    this.port = requireRange("port", s.port, 0, 65535);
    this.tokens = tokens(s.tokens, s.tokensFile);
    this.pathStyle = s.pathStyle == null ? DEFAULT_PATH_STYLE : s.pathStyle;
    this.commandTimeout = requirePositive("command-timeout", s.commandTimeout);
    this.connectTimeout = requirePositive("connect-timeout", s.connectTimeout);
    this.borrowTimeout = requireNotNegative("borrow-timeout", s.borrowTimeout);
    this.httpServer = requireText("http-server", s.httpServer);
    this.threads = HttpServerChoice.threads(s.threads);
    boolean pooledThreads = HttpServerChoice.resolve(httpServer, threads,
        Runtime.version().feature(), s.tlsCert != null).boundedPool();
    this.maxConcurrent = s.maxConcurrent == null
        ? pooledThreads ? DEFAULT_MAX_CONCURRENT : DEFAULT_MAX_CONCURRENT_THREAD_PER_REQUEST
        : requireRange("max-concurrent", s.maxConcurrent, 1, 100_000);
    // By default one connection per request thread. A thread that has to wait for a connection
    // parks and is unparked on every request; with 16 connections for 64 threads that cost ~30%
    // more CPU per request under load (BENCHMARKS.md, section 5). Redis handles thousands.
    this.poolSize = s.poolSize == null ? maxConcurrent
        : requireRange("pool-size", s.poolSize, 1, 100_000);
    this.pipelineLanes = requireRange("pipeline-lanes", s.pipelineLanes, 0, 1024);
    this.maxQueued = requireRange("max-queued", s.maxQueued, 0, 1_000_000);
    this.maxBody = requireRange("max-body", s.maxBody, 1, MAX_BODY_LIMIT);
    this.maxUrl = requireRange("max-url", s.maxUrl, 16, Integer.MAX_VALUE);
    this.maxArgs = requireRange("max-args", s.maxArgs, 1, Integer.MAX_VALUE);
    this.maxPipeline = requireRange("max-pipeline", s.maxPipeline, 1, Integer.MAX_VALUE);
    this.maxBlock = requireNotNegative("max-block", s.maxBlock);
    if (maxBlock.plus(BLOCK_MARGIN).compareTo(commandTimeout) > 0) {
      throw new IllegalArgumentException("max-block must be at least " + millis(BLOCK_MARGIN)
          + " shorter than command-timeout (" + millis(commandTimeout) + "): " + millis(maxBlock));
    }
    int blocking = requireRange("max-blocking", s.maxBlocking, 0, 100_000);
    if (blocking > poolSize - 1) {
      warn().warn("max-blocking {} would let blocking commands hold every one of the {} pooled"
          + " connections; using {}", blocking, poolSize, poolSize - 1);
      blocking = poolSize - 1;
    }
    this.maxBlocking = blocking;
    // A held request keeps its request thread while it waits. With a thread per request it gives
    // its max-concurrent turn back (HttpCall.releaseSlot) and costs one parked thread; on the
    // JDK's server with its pool of max-concurrent platform threads, half of them at most.
    int subscribers;
    if (s.maxSubscribers == null) {
      subscribers = pooledThreads ? maxConcurrent / 2 : DEFAULT_MAX_SUBSCRIBERS;
    } else {
      subscribers = requireRange("max-subscribers", s.maxSubscribers, 0, 1_000_000);
      if (pooledThreads && subscribers > maxConcurrent / 2) {
        warn().warn("max-subscribers {} would let held requests hold most of the {} request"
            + " threads (max-concurrent, the JDK's server on platform threads); using {}",
            subscribers, maxConcurrent, maxConcurrent / 2);
        subscribers = maxConcurrent / 2;
      }
    }
    this.maxSubscribers = subscribers;
    this.pubsubConnections = requireRange("pubsub-connections", s.pubsubConnections, 1, 64);
    this.streamKeepalive = requirePositive("stream-keepalive", s.streamKeepalive);
    this.requestReadTimeout = requirePositive("request-read-timeout", s.requestReadTimeout);
    this.keepAliveIdle = requirePositive("keepalive-idle", s.keepAliveIdle);
    this.maxPoll = requirePositive("max-poll", s.maxPoll);
    this.cors = Cors.of(s.corsOrigins);
    this.allow = commandNames("allow", s.allow);
    this.deny = commandNames("deny", s.deny);
    List<String> dangerous = s.allowDangerous == null ? List.of() : s.allowDangerous;
    this.allowAllDangerous = dangerous.stream().anyMatch(d -> d != null
        && (d.strip().equalsIgnoreCase("all") || d.strip().equals("*")));
    this.allowDangerous = allowAllDangerous ? Set.of() : commandNames("allow-dangerous", dangerous);
    this.shutdownGrace = requireNotNegative("shutdown-grace", s.shutdownGrace);
    requireTokenBeyondLoopback(host, tokens);
    this.tls = PemTls.load(s.tlsCert, s.tlsKey);
    if (tls == null && !isLoopback(host)) {
      warn().warn("host {} is reachable beyond this machine over plain HTTP: bearer tokens and"
          + " data travel in clear; set tls-cert and tls-key, or put a TLS proxy in front", host);
    }
  }

  /** Looked up only when needed: {@link Main} configures logging before the first logger. */
  private static Logger warn() {
    return LoggerFactory.getLogger(BridgeConfig.class);
  }

  boolean authRequired() {
    return !tokens.isEmpty();
  }

  /** The settings a user may want to see at startup; never a token or a password. */
  String summary() {
    long users = tokens.stream().map(TokenSpec::user).filter(u -> u != null).distinct().count();
    return "pool-size " + poolSize + ", command-timeout " + millis(commandTimeout) + ", auth "
        + (tokens.isEmpty() ? "off" : "on (" + tokens.size() + " token" + (tokens.size() > 1 ? "s"
        : "") + (users == 0 ? "" : ", " + users + " Redis user" + (users > 1 ? "s" : ""))
        + ")") + ", path style " + pathStyle.name().toLowerCase(Locale.ROOT);
  }

  static String millis(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  private static List<TokenSpec> tokens(List<String> raw, Path file) {
    List<TokenSpec> out = new ArrayList<>();
    List<String> entries = raw == null ? List.of() : raw;
    for (int i = 0; i < entries.size(); i++) {
      out.add(TokenSpec.parse(entries.get(i), entries.size() == 1 ? "token"
          : "token (entry " + (i + 1) + ")"));
    }
    if (file != null) {
      out.addAll(TokenSpec.readFile(file));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < out.size(); i++) {
      if (!seen.add(out.get(i).token())) {
        throw new IllegalArgumentException("token (entry " + (i + 1) + ", counting --token before"
            + " tokens-file) is given twice: each token runs as one Redis user");
      }
    }
    return List.copyOf(out);
  }

  private static Set<String> commandNames(String setting, List<String> raw) {
    Set<String> out = new LinkedHashSet<>();
    if (raw == null) {
      return Set.of();
    }
    for (String entry : raw) {
      String e = entry == null ? "" : entry.strip().toUpperCase(Locale.ROOT);
      int bar = e.indexOf('|');
      boolean ok = !e.isEmpty() && bar != 0 && bar != e.length() - 1 && e.indexOf('|', bar + 1) < 0
          && e.chars().allMatch(c -> c > 0x20 && c < 0x7f);
      if (!ok) {
        throw new IllegalArgumentException(setting + " takes command names such as GET or CONFIG|GET,"
            + " separated by commas: '" + entry + "'");
      }
      out.add(e);
    }
    return Set.copyOf(out);
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("host cannot be resolved: '" + host + "'", e);
    }
  }

  private static void requireTokenBeyondLoopback(String host, List<TokenSpec> tokens) {
    if (!tokens.isEmpty()) {
      return;
    }
    if (!isLoopback(host)) {
      throw new IllegalArgumentException("host " + host + " is reachable beyond this machine: set a"
          + " token (--token, --tokens-file, BRIDGE_TOKEN or BRIDGE_TOKENS_FILE) to listen there,"
          + " or listen on 127.0.0.1");
    }
  }

  // The require* checks repeat RedisPoolConfig's on purpose: the bridge uses only the pool's public
  // API, and a Redis pool has no business exporting setting validators. Both name the setting, the
  // rule and the bad value in the same words; BridgeConfigTest.rulesAreWordedAsThePoolWordsThem
  // keeps it so.
  private static String requireText(String setting, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(setting + " must not be empty: '" + value + "'");
    }
    return value.strip();
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

  /**
   * The keepalive interval of a held request whose departure is watched, on a server that limits
   * a silent request ({@code serverLimitsSilence}: robaho's) or not (the epoll server).
   */
  Duration watchedKeepalive(boolean serverLimitsSilence) {
    if (!serverLimitsSilence) {
      return PROXY_KEEPALIVE;
    }
    Duration half = requestReadTimeout.dividedBy(2);
    return half.compareTo(WATCHED_KEEPALIVE) < 0 ? half : WATCHED_KEEPALIVE;
  }

  private static Duration requirePositive(String setting, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be more than zero: " + value);
    }
    return value;
  }

  /** The builder's mutable state; validated once by the constructor above. */
  static final class Settings {
    String redisUri = DEFAULT_REDIS;
    String host = DEFAULT_HOST;
    int port = DEFAULT_PORT;
    List<String> tokens = List.of();
    /** Null: none. */
    Path tokensFile;
    PathStyle pathStyle = DEFAULT_PATH_STYLE;
    /** Null: as many as max-concurrent. */
    Integer poolSize;
    Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    Duration borrowTimeout = DEFAULT_BORROW_TIMEOUT;
    /** Null: DEFAULT_MAX_CONCURRENT on a pool of platform threads, else one per request. */
    Integer maxConcurrent;
    int pipelineLanes = DEFAULT_PIPELINE_LANES;
    int maxQueued = DEFAULT_MAX_QUEUED;
    int maxBody = DEFAULT_MAX_BODY;
    int maxUrl = DEFAULT_MAX_URL;
    int maxArgs = DEFAULT_MAX_ARGS;
    int maxPipeline = DEFAULT_MAX_PIPELINE;
    Duration maxBlock = DEFAULT_MAX_BLOCK;
    int maxBlocking = DEFAULT_MAX_BLOCKING;
    /** Null: DEFAULT_MAX_SUBSCRIBERS, or max-concurrent / 2 on a pool of platform threads. */
    Integer maxSubscribers;
    int pubsubConnections = DEFAULT_PUBSUB_CONNECTIONS;
    Duration streamKeepalive = DEFAULT_STREAM_KEEPALIVE;
    Duration requestReadTimeout = DEFAULT_REQUEST_READ_TIMEOUT;
    Duration keepAliveIdle = Options.DEFAULT_KEEPALIVE_IDLE;
    Duration maxPoll = DEFAULT_MAX_POLL;
    List<String> corsOrigins = List.of();
    List<String> allow = List.of();
    List<String> deny = List.of();
    List<String> allowDangerous = List.of();
    Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
    String httpServer = HttpServerChoice.AUTO;
    String threads = "auto";
    Path tlsCert;
    Path tlsKey;
  }
}
