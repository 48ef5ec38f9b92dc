package io.github.resilientredis.bridge;

import com.sun.net.httpserver.HttpServer;
import io.github.resilientredis.pool.RedisPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis as JSON over HTTP: the Upstash REST API and the Webdis URL API on one port, over a
 * {@link RedisPool} that never lends a dead connection.
 *
 * <pre>{@code
 * try (RedisHttpBridge bridge = RedisHttpBridge.builder()
 *     .redis("redis://localhost:6379").port(0).start()) {
 *   String url = bridge.url();   // http://127.0.0.1:<port>
 * }
 * }</pre>
 *
 * <p>The JDK's HTTP server and robaho's answer slowly (Nagle's algorithm against delayed ACKs,
 * about 40 ms a reply) unless TCP_NODELAY is on; the bridge sets their properties
 * ({@code sun.net.httpserver.nodelay}, {@code robaho.net.httpserver.nodelay}) unless given, which
 * works when no other server of the same kind started earlier in the JVM.
 */
public final class RedisHttpBridge implements AutoCloseable {

  private static final int BACKLOG = 1024;

  /** Not static: {@link Main} configures logging before the first logger is made. */
  private final Logger log = LoggerFactory.getLogger(RedisHttpBridge.class);

  private final BridgeConfig config;
  private final Metrics metrics = new Metrics();
  /** The Redis users requests run as, each with its own pool and subscriptions. */
  private final RedisUsers users;
  private final HttpServerChoice serverChoice;
  private final ExecutorService executor;
  private final HttpServer server;
  private final InFlight inFlight = new InFlight();
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisHttpBridge(BridgeConfig config) {
    this.config = config;
    this.serverChoice = HttpServerChoice.resolve(config.httpServer, config.threads.name(),
        config.tls != null);
    HttpServerChoice.disableNagle(serverChoice, log);
    DirectSend.available(); // links send(2) now, not at the first held request's message
    CommandPolicy policy = CommandPolicy.from(config);
    this.users = new RedisUsers(config, policy, metrics);
    try {
      StartupAclCheck.run(users, policy);
    } catch (RuntimeException e) {
      users.close();
      throw e;
    }
    this.executor = serverChoice.boundedPool() ? executor(config, metrics)
        : serverChoice.threadPerTaskExecutor();
    Router router = new Router(config, users, metrics, inFlight);
    try {
      server = serverChoice.start(new InetSocketAddress(config.host, config.port), BACKLOG,
          serverChoice.boundedPool() ? router
              : new ConcurrencyGate(router, config.maxConcurrent, config.maxQueued, metrics),
          executor, config);
    } catch (IOException e) {
      closeAfterFailedStart();
      throw new UncheckedIOException("cannot listen on " + config.host + ":" + config.port + ": "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeAfterFailedStart(); // e.g. a server implementation without HTTPS: names tls-cert
      throw e;
    }
  }

  private void closeAfterFailedStart() {
    executor.shutdownNow();
    users.close();
  }

  /** Settings for a new bridge; every one has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The port it listens on (the one chosen by the system after {@code port(0)}). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://host:port} ({@code https://} with TLS), the base URL for clients. */
  public String url() {
    String host = server.getAddress().getAddress().getHostAddress();
    return Listeners.scheme(config.tls) + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  /** One line for the log: where it listens and which Redis it serves, without credentials. */
  public String describe() {
    return "listening on " + url() + " for " + config.redisDisplay + " (" + config.summary()
        + "); HTTP server: " + serverChoice.describe(config.maxConcurrent);
  }

  /**
   * Ends subscription streams, turns new requests away (503, {@code Connection: close}), lets the
   * requests in flight finish for up to {@code shutdown-grace}, stops listening and closes the
   * pools. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    int port = port();
    users.closeSubscriptions();
    try {
      if (!inFlight.drain(config.shutdownGrace.toNanos())) {
        log.warn("{} requests still running after shutdown-grace ({}); closing them",
            inFlight.count(), BridgeConfig.millis(config.shutdownGrace));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    executor.shutdownNow();
    users.close();
    log.info("redis-http-bridge on port {} stopped", port);
  }

  @Override
  public String toString() {
    return "RedisHttpBridge[" + describe() + "]";
  }

  private static ThreadPoolExecutor executor(BridgeConfig config, Metrics metrics) {
    AtomicInteger number = new AtomicInteger();
    BlockingQueue<Runnable> queue = config.maxQueued == 0 ? new SynchronousQueue<>()
        : new ArrayBlockingQueue<>(config.maxQueued);
    ThreadPoolExecutor executor = new ThreadPoolExecutor(config.maxConcurrent,
        config.maxConcurrent, 60, TimeUnit.SECONDS, queue, r -> {
          Thread t = new Thread(r, "bridge-http-" + number.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, (r, e) -> {
          // The JDK server closes the connection when its task is refused.
          metrics.rejectedConnection();
          throw new RejectedExecutionException("max-concurrent and max-queued are full");
        });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /** Builds and starts a {@link RedisHttpBridge}; impossible values throw IllegalArgumentException. */
  public static final class Builder {
    private final BridgeConfig.Settings s = new BridgeConfig.Settings();

    private Builder() {}

    /**
     * {@code redis[s]://[[user]:password@]host[:port][/db]}, or a master followed through Sentinel,
     * {@code redis[s]-sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db]}, or a
     * Redis Cluster, {@code redis[s]-cluster://[[user]:password@]host:port[,host:port...]};
     * default redis://localhost:6379.
     */
    public Builder redis(String uri) {
      s.redisUri = uri;
      return this;
    }

    /** Address to listen on; default 127.0.0.1. Beyond loopback a token is required. */
    public Builder host(String host) {
      s.host = host;
      return this;
    }

    /** Port to listen on; default 7379; 0 picks a free one (see {@link #port()}). */
    public Builder port(int port) {
      s.port = port;
      return this;
    }

    /**
     * Bearer tokens, any of which is accepted; none (the default) turns auth off. Each entry is
     * {@code TOKEN}, {@code TOKEN=ro}, {@code TOKEN=USER:PASSWORD} or
     * {@code TOKEN=USER:PASSWORD:ro}: with a user, its requests run on connections authenticated
     * as that Redis ACL user, so Redis refuses what the user may not do, inside scripts too;
     * {@code ro} allows only commands Redis flags read-only.
     */
    public Builder tokens(Collection<String> tokens) {
      s.tokens = List.copyOf(tokens);
      return this;
    }

    public Builder tokens(String... tokens) {
      return tokens(Arrays.asList(tokens));
    }

    /**
     * A file of token entries (the syntax of {@link #tokens}), one a line, {@code #} comments;
     * read when the bridge starts, in addition to {@link #tokens}. Keeps passwords off the
     * command line.
     */
    public Builder tokensFile(Path file) {
      s.tokensFile = file;
      return this;
    }

    /** Reply shape of commands in the URL path; default {@link PathStyle#WEBDIS}. */
    public Builder pathStyle(PathStyle style) {
      s.pathStyle = style;
      return this;
    }

    /**
     * Serve HTTPS: {@code certificateChain} is a PEM file with the server's certificate first,
     * then its intermediates; {@code privateKey} a PEM file with its unencrypted PKCS#8 key
     * ({@code BEGIN PRIVATE KEY}), RSA or EC. Default: plain HTTP.
     */
    public Builder tls(Path certificateChain, Path privateKey) {
      s.tlsCert = certificateChain;
      s.tlsKey = privateKey;
      return this;
    }

    /** Pooled Redis connections; default: as many as {@link #maxConcurrent}. */
    public Builder poolSize(int size) {
      s.poolSize = size;
      return this;
    }

    /** Longest wait for Redis's reply to a command (then 504); default 5 s. */
    public Builder commandTimeout(Duration timeout) {
      s.commandTimeout = timeout;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      s.connectTimeout = timeout;
      return this;
    }

    /** Longest wait for a free pooled connection (then 503); default 2 s. */
    public Builder borrowTimeout(Duration timeout) {
      s.borrowTimeout = timeout;
      return this;
    }

    /**
     * Requests handled at once; default 256 with a thread per request (virtual threads), 32 on
     * the JDK's server with platform threads, where it is the number of worker threads.
     */
    public Builder maxConcurrent(int max) {
      s.maxConcurrent = max;
      return this;
    }

    /**
     * Single commands of concurrent requests go to Redis in batches on this many connections at
     * once (fewer system calls on both sides); 0 sends each on a connection of its own. Default 2.
     */
    public Builder pipelineLanes(int lanes) {
      s.pipelineLanes = lanes;
      return this;
    }

    /** Requests waiting for a worker; beyond, connections are closed unanswered; default 1024. */
    public Builder maxQueued(int max) {
      s.maxQueued = max;
      return this;
    }

    /** Largest request body in bytes (then 413); default 16 MiB. */
    public Builder maxBody(int bytes) {
      s.maxBody = bytes;
      return this;
    }

    /** Longest URL, path and query, in characters (then 414); default 65536. */
    public Builder maxUrl(int chars) {
      s.maxUrl = chars;
      return this;
    }

    /** Most arguments in one command, its name included (then 413); default 100000. */
    public Builder maxArgs(int max) {
      s.maxArgs = max;
      return this;
    }

    /** Most commands in one /pipeline or /multi-exec (then 413); default 10000. */
    public Builder maxPipeline(int max) {
      s.maxPipeline = max;
      return this;
    }

    /** Longest wait of a blocking command (BLPOP ...); longer or 0 is capped; default 2 s. */
    public Builder maxBlock(Duration max) {
      s.maxBlock = max;
      return this;
    }

    /** Blocking commands waiting at once (then 429); default 4. */
    public Builder maxBlocking(int max) {
      s.maxBlocking = max;
      return this;
    }

    /**
     * Held requests (subscription streams and long-polls) open at once, per Redis user (then
     * 429); default 10000, or max-concurrent / 2 on the JDK's server with platform threads.
     */
    public Builder maxSubscribers(int max) {
      s.maxSubscribers = max;
      return this;
    }

    /** Redis connections that every held request's subscriptions share; default 2. */
    public Builder pubsubConnections(int connections) {
      s.pubsubConnections = connections;
      return this;
    }

    /** A held request with nothing to write writes a keepalive this often; default 600 ms. */
    public Builder streamKeepalive(Duration interval) {
      s.streamKeepalive = interval;
      return this;
    }

    /**
     * The HTTP server's limit on a request's silence (the command line's request-read-timeout,
     * which sets the server's own); default 30 s. A held request writes something at least every
     * half of it.
     */
    public Builder requestReadTimeout(Duration timeout) {
      s.requestReadTimeout = timeout;
      return this;
    }

    /**
     * How long an idle keep-alive connection stays open; default 30 s. The bridge's epoll server
     * takes it from here; the JDK's and robaho's read it from a JVM-wide property that the
     * command line's keepalive-idle sets.
     */
    public Builder keepAliveIdle(Duration idle) {
      s.keepAliveIdle = idle;
      return this;
    }

    /** Longest wait of a {@code /poll/<channel>} (a longer timeout is capped); default 120 s. */
    public Builder maxPoll(Duration max) {
      s.maxPoll = max;
      return this;
    }

    /**
     * Origins whose browser pages may call the bridge ({@code https://app.example.com}); {@code *}
     * for any (then without credentials). None, the default, sends no CORS headers.
     */
    public Builder corsOrigins(Collection<String> origins) {
      s.corsOrigins = List.copyOf(origins);
      return this;
    }

    /** When not empty, only these commands ({@code GET}, {@code CONFIG|GET}) are served. */
    public Builder allow(Collection<String> commands) {
      s.allow = List.copyOf(commands);
      return this;
    }

    /** Commands never served (403). */
    public Builder deny(Collection<String> commands) {
      s.deny = List.copyOf(commands);
      return this;
    }

    /** Dangerous commands to serve anyway; {@code all} for every one of them. */
    public Builder allowDangerous(Collection<String> commands) {
      s.allowDangerous = List.copyOf(commands);
      return this;
    }

    /** How long {@link #close()} waits for requests in flight; default 10 s. */
    public Builder shutdownGrace(Duration grace) {
      s.shutdownGrace = grace;
      return this;
    }

    /**
     * The implementation of {@code com.sun.net.httpserver} that serves: {@code auto} (the
     * default: robaho's httpserver on Java 21+, else the JDK's), {@code jdk}, {@code robaho},
     * {@code jetty} or an {@code HttpServerProvider} class name on the class path.
     */
    public Builder httpServer(String server) {
      s.httpServer = server;
      return this;
    }

    /** {@code auto} (the default: virtual threads on Java 21+), {@code virtual} or {@code platform}. */
    public Builder threads(String threads) {
      s.threads = threads;
      return this;
    }

    /** Validates the settings, opens the pool and starts listening. */
    public RedisHttpBridge start() {
      return new RedisHttpBridge(config());
    }

    /** The validated settings, without opening or starting anything. */
    BridgeConfig config() {
      return new BridgeConfig(s);
    }
  }
}
