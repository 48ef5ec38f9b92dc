package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.ConnectionCallback;
import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPoolConfig;
import io.github.resilientredis.pool.RedisPoolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandFlagsRegistry.RequestPolicy;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.StaticCommandFlagsRegistry;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * A cluster's machinery: the slot map ({@link ClusterRouter}), a pool per primary
 * ({@link ClusterNodes}), the topology refresher, and the loop that sends a command to the primary
 * of its slot and sends it again after a redirect, a failover or a reshard. {@code RedisCluster} is
 * its public face; {@link ClusterProvider} and {@link ClusterExecutor} plug it into Jedis's
 * {@code RedisClusterClient}.
 *
 * <p>The retry rule: MOVED, ASK, TRYAGAIN, CLUSTERDOWN, READONLY and LOADING replies, and a failure
 * to lend a connection, mean the command ran nowhere, so any command is sent again, after a
 * jittered pause that grows to 100 ms, until {@code failoverTimeout} has passed since it started.
 * A transport error after the command was written follows the single pool's rule
 * ({@link RetryPolicy}): only read-only and idempotent commands are sent again; never INCR.
 */
public final class ClusterCore {

  private static final Logger log = LoggerFactory.getLogger(ClusterCore.class);

  /** What the cluster needs to start; built and validated by {@code RedisCluster.Builder}. */
  public record Settings(String name, Set<HostAndPort> seeds, RedisPoolConfig nodeTemplate,
      Function<HostAndPort, RedisPoolConfig> nodeConfig, Duration failoverTimeout,
      Duration topologyRefreshInterval) {}

  /** One try of a command on a lent connection; may throw Jedis's cluster errors. */
  interface Step<T> {
    T on(PooledConnection connection);
  }

  private final String name;
  private final RedisPoolConfig nodeTemplate;
  private final Duration failoverTimeout;
  private final Ticker ticker = Ticker.SYSTEM;
  private final long failoverTimeoutNanos;
  private final boolean retrySafeCommands;
  private final HousekeepingThreads threads;
  private final ClusterNodes nodes;
  private final TopologyRefresher refresher;
  private final ClusterRouter router;
  private final RedisClusterClient client;
  /** The attempt Jedis's provider started when it lent {@code connection}, for the executor. */
  private final ThreadLocal<Stash> stash = new ThreadLocal<>();
  private volatile boolean closed;
  private record Stash(PooledConnection connection, ClusterAttempt attempt) {}

  public ClusterCore(Settings settings) {
    this.name = settings.name();
    this.nodeTemplate = settings.nodeTemplate();
    this.failoverTimeout = settings.failoverTimeout();
    this.failoverTimeoutNanos = settings.failoverTimeout().toNanos();
    this.retrySafeCommands = settings.nodeTemplate().retrySafeCommands();
    JedisClientConfig clientConfig = jedisConfig(settings.nodeTemplate());
    this.threads = new HousekeepingThreads(name, 2);
    this.nodes = new ClusterNodes(name, settings.nodeConfig(), threads);
    this.refresher = new TopologyRefresher(name, clientConfig, settings.seeds(), this::knownNodes,
        this::apply, ticker);
    try {
      ClusterTopology first = refresher.readFirst();
      this.router = new ClusterRouter(first);
      for (HostAndPort primary : first.primaries()) {
        nodes.pool(primary);
      }
      ClusterProvider provider = new ClusterProvider(this, settings.seeds(), clientConfig);
      this.client = RedisClusterClient.builder()
          .nodes(settings.seeds()) // checked by Jedis's builder even with a provider of our own
          .clientConfig(clientConfig)
          .connectionProvider(provider)
          .commandExecutor(new ClusterExecutor(provider, this, settings.failoverTimeout()))
          .build();
      refresher.start(settings.topologyRefreshInterval().toNanos());
      log.info("{}: started with {}", name, first);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private static JedisClientConfig jedisConfig(RedisPoolConfig c) {
    return DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis((int) Math.min(Integer.MAX_VALUE, c.connectTimeout().toMillis()))
        .socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE, c.readTimeout().toMillis()))
        .user(c.user())
        .password(c.password())
        .clientName(c.clientName())
        .protocol(c.protocol())
        .ssl(c.ssl())
        .build();
  }

  public RedisClusterClient client() {
    return client;
  }

  public String name() {
    return name;
  }

  public RedisPoolConfig nodeTemplate() {
    return nodeTemplate;
  }

  public Duration failoverTimeout() {
    return failoverTimeout;
  }

  /** Every node we know of, to ask for the topology: primaries first, then replicas. */
  private Collection<HostAndPort> knownNodes() {
    ClusterTopology topology = router == null ? null : router.topology();
    Set<HostAndPort> known = new LinkedHashSet<>();
    if (topology != null) {
      known.addAll(topology.primaries());
      known.addAll(topology.replicas());
    }
    return known;
  }

  /**
   * A new slot map: route by it, open pools for new primaries, close those of former ones. A read
   * that began before a MOVED changed the map may come from a node that has not heard of the
   * change yet (during a failover or a reshard, for a few ms): the slots such MOVED replies named
   * keep their new owner, whose pool stays open, so a stale view never sends commands back.
   */
  private void apply(ClusterTopology topology, long readStartNanos) {
    if (closed) {
      return;
    }
    ClusterTopology before = router.topology();
    router.update(topology, readStartNanos);
    for (HostAndPort primary : topology.primaries()) {
      nodes.pool(primary);
    }
    nodes.retainOnly(router.primariesInUse());
    if (!before.primaries().equals(topology.primaries())) {
      log.info("{}: topology changed: {}", name, topology);
    }
  }

  void requestRefresh() {
    refresher.request();
  }

  ClusterRouter router() {
    return router;
  }

  ClusterNodes nodes() {
    return nodes;
  }

  ClusterAttempt newAttempt() {
    return new ClusterAttempt(ticker, failoverTimeoutNanos);
  }

  // ---- lending ----

  /**
   * Lends a connection to the primary of {@code slot} (or to {@code fixed}), waiting out a node
   * that cannot be reached (a failover under way) until the attempt's deadline.
   */
  PooledConnection lend(int slot, HostAndPort fixed, ClusterAttempt attempt) {
    for (;;) {
      HostAndPort node = fixed != null ? fixed : router.primaryFor(slot);
      RuntimeException failure;
      if (node == null) {
        failure = new JedisClusterOperationException(name + ": no primary serves slot " + slot);
      } else {
        try {
          return nodes.pool(node).lend();
        } catch (RedisPoolException e) {
          if (closed || e.reason() == RedisPoolException.Reason.TIMEOUT
              || e.reason() == RedisPoolException.Reason.INTERRUPTED) {
            throw e;
          }
          failure = e; // unreachable, or its pool was closed as it stopped being a primary
        }
      }
      refresher.request();
      if (!attempt.pause()) {
        throw failure;
      }
    }
  }

  /** For Jedis's provider: lends for a command and remembers its attempt for the executor. */
  PooledConnection lendForJedis(int slot) {
    ClusterAttempt attempt = newAttempt();
    PooledConnection connection = lend(slot, null, attempt);
    stash.set(new Stash(connection, attempt));
    return connection;
  }

  // ---- running commands ----

  /** A command from Jedis's executor, on the connection its provider lent. */
  <T> T executeForJedis(PooledConnection first, CommandObject<T> command) {
    Stash stashed = stash.get();
    stash.remove();
    ClusterAttempt attempt = stashed != null && stashed.connection() == first
        ? stashed.attempt() : newAttempt();
    CommandArguments args = command.getArguments();
    RequestPolicy policy = StaticCommandFlagsRegistry.registry().getRequestPolicy(args);
    // A broadcast (FLUSHALL, DBSIZE, ...) runs once per node: its tries stay on that node.
    HostAndPort pinned = policy == RequestPolicy.ALL_SHARDS || policy == RequestPolicy.ALL_NODES
        ? first.getHostAndPort() : null;
    Set<Integer> slots = args.getKeyHashSlots();
    int slot = slots.isEmpty() ? ClusterKeys.NO_KEY : slots.iterator().next();
    try {
      return run(attempt, args, slot, pinned, first, c -> c.executeTracked(command));
    } catch (JedisConnectionException e) {
      // Stops Jedis's own retry loop, which would send any command again, INCR included.
      throw new JedisClusterOperationException(name + ": " + e.getMessage(), e);
    }
  }

  /** A raw command routed by its first key; error replies are returned, not thrown. */
  public Object call(byte[]... commandAndArguments) {
    CommandArguments args = RawCommand.arguments(commandAndArguments);
    int slot = ClusterKeys.slot(commandAndArguments);
    try {
      return run(newAttempt(), args, slot, null, null, c -> {
        Object reply = c.callRaw(args);
        if (reply instanceof JedisDataException error && ClusterErrors.isRedirect(error)) {
          throw ClusterErrors.asException(error, c.getHostAndPort().getHost());
        }
        return reply;
      });
    } catch (JedisDataException reply) {
      return reply; // still MOVED, TRYAGAIN or CLUSTERDOWN at the deadline: the caller reads it
    }
  }

  /** Lends a connection to the primary of {@code slot} for a callback; nothing is retried. */
  public <T> T withConnection(int slot, ConnectionCallback<T> callback) {
    PooledConnection connection = lend(slot, null, newAttempt());
    // While the callback runs, closing the connection (or its Jedis) must not give it back.
    connection.returnOnClose(false);
    return LeasedConnection.lend(connection, callback, (lent, healthy) -> {
      if (!healthy) {
        lent.setBroken(); // it may be mid-transaction or mid-reply: never lend it again
      }
      lent.returnOnClose(true);
      lent.close();
    });
  }

  /**
   * Sends the command until it runs or the attempt gives up. {@code first} is the connection
   * Jedis's provider lent (null for {@link #call}): Jedis gives it back when this returns, so a try
   * that goes to the same node again reuses it rather than borrowing a second one. Borrowing a
   * second would make every thread on a busy node hold one connection and wait for another: 8
   * threads on a pool of 8 then wait out the borrow timeout together (seen in a CLUSTER FAILOVER,
   * where TRYAGAIN, CLUSTERDOWN and MOVED before the refresh all send back to the same node). A
   * broken {@code first} is given back at once: it is closed, never lent again, so Jedis's own
   * close later does nothing.
   */
  <T> T run(ClusterAttempt attempt, CommandArguments args, int slot, HostAndPort pinned,
      PooledConnection first, Step<T> step) {
    HostAndPort askTarget = null;
    PooledConnection connection = first;
    for (;;) {
      if (connection == null) {
        HostAndPort fixed = askTarget != null ? askTarget : pinned;
        connection = reusable(first, fixed != null ? fixed : router.primaryFor(slot));
        if (connection == null) {
          connection = lend(slot, fixed, attempt);
        }
      }
      boolean asking = askTarget != null;
      askTarget = null;
      try {
        if (asking) {
          connection.sendCommand(Protocol.Command.ASKING);
          connection.getStatusCodeReply();
        }
        return step.on(connection);
      } catch (JedisRedirectionException redirect) {
        if (pinned != null) {
          throw redirect;
        }
        if (redirect instanceof JedisAskDataException) {
          askTarget = redirect.getTargetNode(); // a slot being moved: no refresh, just ASKING
        } else if (router.moved(redirect.getSlot(), redirect.getTargetNode())) {
          refresher.request();
        }
        if (!attempt.redirected()) {
          throw redirect;
        }
      } catch (JedisConnectionException e) {
        connection.setBroken();
        refresher.request();
        boolean again = retrySafeCommands
            && RetryPolicy.isSafeToRetry(args, connection.requestMayHaveReachedServer(), e);
        log.debug("{}: {} failed on {}: {}{}", name, RetryPolicy.commandName(args),
            connection, e.getMessage(), again ? "; trying again" : "");
        if (!again || !attempt.pause()) {
          throw e;
        }
      } catch (JedisDataException e) {
        if (!ClusterErrors.ranNothing(e)) {
          throw e;
        }
        if (ClusterErrors.meansStaleMap(e)) {
          refresher.request();
        }
        if (!attempt.pause()) {
          throw e;
        }
      } finally {
        // A healthy first stays with Jedis, which closes it after this returns: closing it here
        // too could give back a connection another thread borrowed meanwhile.
        if (connection != first || connection.isBroken()) {
          connection.close(); // lent with returnOnClose: back to its pool, or closed if broken
        }
        connection = null;
      }
    }
  }

  /** {@code first}, when it is still usable and on {@code node}; otherwise null. */
  private static PooledConnection reusable(PooledConnection first, HostAndPort node) {
    return first != null && !first.isBroken() && first.getHostAndPort().equals(node)
        ? first : null;
  }

  // ---- state ----

  public Map<String, PoolStats> nodeStats() {
    return nodes.stats();
  }

  public PoolStats nodeStats(HostAndPort node) {
    return nodes.stats(node);
  }

  public void onNodePoolsChanged(Runnable listener) {
    nodes.onChange(listener);
  }

  /** The primary of a slot as {@code host:port}, or null. */
  public String primaryFor(int slot) {
    HostAndPort node = router.primaryFor(slot);
    return node == null ? null : node.toString();
  }

  public Set<HostAndPort> primaries() {
    return router.primaries();
  }

  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    refresher.close();
    nodes.close();
    threads.shutdown();
    log.info("{}: closed", name);
  }

  @Override
  public String toString() {
    return name + " " + new ArrayList<>(router == null ? Set.of() : router.primaries());
  }
}
