package io.github.resilientredis.pool;

import io.github.resilientredis.pool.internal.CommandRunner;
import io.github.resilientredis.pool.internal.PoolCore;
import io.github.resilientredis.pool.internal.RetryPolicy;
import java.time.Duration;
import java.util.Objects;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A bounded, blocking pool of Redis connections that never lends a dead socket.
 *
 * <pre>{@code
 * try (RedisPool pool = RedisPool.create("redis://localhost:6379")) {
 *   RedisClient redis = pool.client();          // the whole Jedis 8 command API
 *   redis.set("greeting", "hello");
 *   String value = redis.get("greeting");
 * }
 * }</pre>
 *
 * <p>Idle connections are PINGed in the background slightly under the server's {@code timeout}, a
 * connection is checked cheaply before it is lent, a connection that hit EOF or a reset is replaced,
 * and a command that failed on a transport error is retried once only when that cannot run it twice.
 * Thread-safe; create one per Redis server and share it.
 */
public final class RedisPool implements AutoCloseable {

  private final PoolCore core;
  private final CommandRunner commands;

  private RedisPool(RedisPoolConfig config) {
    this.core = new PoolCore(config);
    this.commands = core.commands();
  }

  /** A pool with default settings for a {@code redis://} or {@code rediss://} URI. */
  public static RedisPool create(String uri) {
    return builder().uri(uri).build();
  }

  /** Settings for a new pool; every one has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A Jedis {@link RedisClient} backed by this pool: every command borrows a connection and gives it
   * back. It is shared, thread-safe and owned by the pool: closing it does nothing, close the pool.
   */
  public RedisClient client() {
    return core.client();
  }

  /**
   * Lends one connection for several commands (a transaction, a pipeline, WATCH ... EXEC) and takes
   * it back when the callback returns or throws. Nothing is retried here: the callback decides.
   *
   * @throws RedisPoolException when no connection can be lent
   */
  public <T> T withConnection(ConnectionCallback<T> callback) {
    Objects.requireNonNull(callback, "callback");
    return commands.withConnection(callback);
  }

  /**
   * Runs one command and returns its raw reply (see {@link RedisConnection} for the types). A
   * command that failed on a transport error is retried once on another connection when that is
   * safe: nothing reached the server, or the command is read-only or idempotent.
   */
  public Object call(byte[]... commandAndArguments) {
    if (commandAndArguments.length == 0) {
      throw new IllegalArgumentException("call needs a command name");
    }
    return commands.call(commandAndArguments);
  }

  /**
   * Whether a command that failed with {@code failure}, after it may have reached Redis, can be
   * sent again without any risk of running it twice: the rule {@link #call} follows. Never after a
   * read timeout; yes for commands that only read and for idempotent writes (SET without
   * NX/XX/GET, MSET, ...); no for every other write (INCR, LPUSH, EVAL, ...). For callers that
   * pipeline commands on a connection of their own ({@link #withConnection}) and must decide
   * which of the unanswered ones to send again.
   */
  public static boolean isSafeToResend(JedisConnectionException failure,
      byte[]... commandAndArguments) {
    if (commandAndArguments.length == 0) {
      throw new IllegalArgumentException("isSafeToResend needs a command name");
    }
    return RetryPolicy.isSafeToResend(failure, commandAndArguments);
  }

  /**
   * Whether a raw reply is Redis's {@code -LOADING} error (it is reading its dataset after a
   * restart): nothing ran, so the command may be sent again; {@link #call} waits these out. For
   * callers that read replies with {@link #withConnection}.
   */
  public static boolean isLoadingReply(Object reply) {
    return RetryPolicy.isLoading(reply);
  }

  /**
   * Whether a raw reply is Redis's {@code -READONLY} error (the server is a replica, perhaps a
   * demoted master): nothing ran, so the command may be sent again. When the pool follows Sentinel,
   * {@link #call} waits for the new master and runs it there; for callers that read replies with
   * {@link #withConnection}.
   */
  public static boolean isReadOnlyReply(Object reply) {
    return RetryPolicy.isReadOnlyReply(reply);
  }

  /**
   * Whether a failure is a read timeout: Redis did not answer within {@code readTimeout} (it may
   * still run the command). The rule {@link #call} follows to never retry such a failure.
   */
  public static boolean isReadTimeout(Throwable failure) {
    return RetryPolicy.isTimeout(failure);
  }

  /**
   * Whether Redis flags a command read-only (for a container command such as OBJECT ENCODING, the
   * subcommand's flags): the rule {@link #call} uses to decide that a retry cannot write twice.
   * Unknown commands are not read-only.
   */
  public static boolean isReadOnlyCommand(byte[]... commandAndArguments) {
    if (commandAndArguments.length == 0) {
      throw new IllegalArgumentException("isReadOnlyCommand needs a command name");
    }
    return RetryPolicy.isReadOnly(commandAndArguments);
  }

  /** The pool's counts right now. */
  public PoolStats stats() {
    return core.stats();
  }

  /** The settings this pool was built with. */
  public RedisPoolConfig config() {
    return core.config();
  }

  /**
   * Closes every idle connection now and every lent one when it comes back; new connections
   * replace them. Use it after a failover, or when the server's address now points elsewhere.
   */
  public void softEvictConnections() {
    core.softEvictConnections();
  }

  /** The pool's name, used in its log lines and thread names. */
  public String name() {
    return core.config().name();
  }

  /**
   * Closes every idle connection, closes lent ones as they come back, and fails waiting borrowers
   * at once. Idempotent.
   */
  @Override
  public void close() {
    core.close();
  }

  @Override
  public String toString() {
    return "RedisPool[" + core + "]";
  }

  /** Builds a {@link RedisPool}; impossible values throw {@link IllegalArgumentException}. */
  public static final class Builder {
    final RedisPoolConfig.Settings settings = new RedisPoolConfig.Settings();

    private Builder() {}

    /**
     * Server, credentials, database and TLS from a URI:
     * {@code redis[s]://[[user]:password@]host[:port][/database][?clientName=name]}, or the
     * Sentinel form {@code redis[s]-sentinel://[[user]:password@]host[:port][,host[:port]...]
     * /masterName[/database][?sentinelPassword=..&sentinelUser=..&sentinelSsl=..]}.
     */
    public Builder uri(String uri) {
      settings.applyUri(uri);
      return this;
    }

    /**
     * Follow Sentinel instead of one fixed server: the master monitored as {@code masterName} is
     * found by asking these sentinels ({@code host:port}, 26379 when the port is left out), and
     * the pool moves to a promoted replica as soon as a failover starts. See README "Sentinel".
     */
    public Builder sentinel(String masterName, String... sentinels) {
      settings.sentinelMasterName = masterName;
      settings.sentinels = sentinels == null ? null : java.util.List.of(sentinels);
      return this;
    }

    /** The ACL user the sentinels want (default none). */
    public Builder sentinelUser(String user) {
      settings.sentinelUser = user;
      return this;
    }

    /** The sentinels' password (default none; the master's is {@link #password}). */
    public Builder sentinelPassword(String password) {
      settings.sentinelPassword = password;
      return this;
    }

    /** TLS to the sentinels; by default the same as {@link #ssl} for the master. */
    public Builder sentinelSsl(boolean ssl) {
      settings.sentinelSsl = ssl;
      return this;
    }

    /** How often a sentinel is asked for the master as a backstop to its events (default 1 s). */
    public Builder sentinelPollInterval(Duration interval) {
      settings.sentinelPollInterval = interval;
      return this;
    }

    public Builder host(String host) {
      settings.host = host;
      return this;
    }

    public Builder port(int port) {
      settings.port = port;
      return this;
    }

    public Builder user(String user) {
      settings.user = user;
      return this;
    }

    public Builder password(String password) {
      settings.password = password;
      return this;
    }

    public Builder database(int database) {
      settings.database = database;
      return this;
    }

    public Builder clientName(String clientName) {
      settings.clientName = clientName;
      return this;
    }

    /** TLS to the server ({@code rediss://} sets it too). */
    public Builder ssl(boolean ssl) {
      settings.ssl = ssl;
      return this;
    }

    /** RESP2 (the default) or RESP3. */
    public Builder protocol(RedisProtocol protocol) {
      settings.protocol = protocol;
      return this;
    }

    /** Name used in log lines and thread names; default {@code redis-pool-N}. */
    public Builder name(String name) {
      settings.name = name;
      return this;
    }

    /** Most connections open at once, lent or idle. */
    public Builder maxTotal(int maxTotal) {
      settings.maxTotal = maxTotal;
      return this;
    }

    /** Connections kept open and warm even when nothing uses them. */
    public Builder minIdle(int minIdle) {
      settings.minIdle = minIdle;
      return this;
    }

    /** Longest a borrow waits for a free connection. */
    public Builder borrowTimeout(Duration borrowTimeout) {
      settings.borrowTimeout = borrowTimeout;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      settings.connectTimeout = connectTimeout;
      return this;
    }

    /** Longest a command waits for its reply; bounds a hung or half-open server. */
    public Builder readTimeout(Duration readTimeout) {
      settings.readTimeout = readTimeout;
      return this;
    }

    /**
     * Heartbeat period used when the server's {@code timeout} cannot be read or is 0. When the
     * server tells its timeout, the heartbeat runs at two thirds of it instead.
     */
    public Builder heartbeatInterval(Duration heartbeatInterval) {
      settings.heartbeatInterval = heartbeatInterval;
      return this;
    }

    /** Whether to read the server's {@code timeout} with CONFIG GET to pace the heartbeat. */
    public Builder heartbeatFromServerTimeout(boolean enabled) {
      settings.heartbeatFromServerTimeout = enabled;
      return this;
    }

    /** A connection used this recently is lent with no check at all. */
    public Builder aliveBypassWindow(Duration window) {
      settings.aliveBypassWindow = window;
      return this;
    }

    /** A connection idle longer than this is PINGed before it is lent (else only peeked for EOF). */
    public Builder pingOnBorrowAfter(Duration idle) {
      settings.pingOnBorrowAfter = idle;
      return this;
    }

    /** First pause between failed attempts to open a connection; doubles up to the maximum. */
    public Builder reconnectBackoffMin(Duration backoff) {
      settings.reconnectBackoffMin = backoff;
      return this;
    }

    /** Longest pause between failed attempts to open a connection. */
    public Builder reconnectBackoffMax(Duration backoff) {
      settings.reconnectBackoffMax = backoff;
      return this;
    }

    /** Whether {@link RedisPool#client()} and {@link RedisPool#call} retry a safe command once. */
    public Builder retrySafeCommands(boolean enabled) {
      settings.retrySafeCommands = enabled;
      return this;
    }

    /**
     * Connections older than this (each shortened by up to 25% at random, so they do not all go at
     * once) are closed when idle or when given back, and replaced. {@code Duration.ZERO} disables.
     */
    public Builder maxLifetime(Duration maxLifetime) {
      settings.maxLifetime = maxLifetime;
      return this;
    }

    /**
     * Idle connections beyond {@code minIdle} that were not used for this long are closed.
     * {@code Duration.ZERO} disables.
     */
    public Builder idleTimeout(Duration idleTimeout) {
      settings.idleTimeout = idleTimeout;
      return this;
    }

    /**
     * A connection held longer than this logs one warning with the stack of the code that borrowed
     * it. {@code Duration.ZERO} (the default) disables; enabling it records a stack per borrow.
     */
    public Builder leakDetectionThreshold(Duration threshold) {
      settings.leakDetectionThreshold = threshold;
      return this;
    }

    /** Hears borrows, returns, creations, closes, heartbeat failures and reconnects. */
    public Builder listener(PoolListener listener) {
      settings.listener = listener;
      return this;
    }

    /** Registers a {@link RedisPoolMXBean} with the platform MBean server (off by default). */
    public Builder registerMbeans(boolean enabled) {
      settings.registerMbeans = enabled;
      return this;
    }

    /** The settings, validated, without opening a pool. */
    public RedisPoolConfig buildConfig() {
      return new RedisPoolConfig(settings);
    }

    /** Validates the settings and starts the pool (it opens {@code minIdle} connections). */
    public RedisPool build() {
      return new RedisPool(buildConfig());
    }
  }
}
