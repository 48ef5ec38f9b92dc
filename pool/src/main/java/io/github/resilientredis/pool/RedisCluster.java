package io.github.resilientredis.pool;

import io.github.resilientredis.pool.internal.ClusterCore;
import io.github.resilientredis.pool.internal.ClusterKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;

/**
 * A Redis Cluster client with a {@link RedisPool}-grade pool per primary.
 *
 * <pre>{@code
 * try (RedisCluster cluster = RedisCluster.create("redis-cluster://h1:7000,h2:7001")) {
 *   RedisClusterClient redis = cluster.client();   // Jedis's whole cluster command API
 *   redis.set("greeting", "hello");
 *   redis.mget("a", "b", "c");                      // keys in different slots: split by Jedis
 * }
 * }</pre>
 *
 * <p>Commands go to the primary of their key's slot. The slot map is read at start, refreshed
 * every {@code topologyRefreshInterval}, and at once after a MOVED, a node failure, or
 * {@code -CLUSTERDOWN}. A command that got MOVED, ASK, TRYAGAIN, CLUSTERDOWN or READONLY ran
 * nowhere and is sent again; while its node cannot be reached it waits for a failover, up to
 * {@code failoverTimeout}. Thread-safe; create one per cluster and share it.
 */
public final class RedisCluster implements AutoCloseable {

  public static final Duration DEFAULT_FAILOVER_TIMEOUT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_TOPOLOGY_REFRESH_INTERVAL = Duration.ofSeconds(5);
  private static final AtomicInteger CLUSTER_NUMBER = new AtomicInteger();

  private final ClusterCore core;

  private RedisCluster(ClusterCore core) {
    this.core = core;
  }

  /** A cluster client with default settings for a {@code redis-cluster://} URI. */
  public static RedisCluster create(String uri) {
    return builder().uri(uri).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Jedis's {@link RedisClusterClient} over this cluster's pools: single and multi-key commands,
   * broadcasts and {@code pipelined()}. Shared and owned by the cluster: closing it does nothing.
   */
  public RedisClusterClient client() {
    return core.client();
  }

  /**
   * Runs one command on the primary of its first key's slot and returns the raw reply (see
   * {@link RedisConnection}); error replies are returned, not thrown. Redirects and failovers are
   * followed as described on the class; a transport error is retried only when that is safe.
   */
  public Object call(byte[]... commandAndArguments) {
    if (commandAndArguments.length == 0) {
      throw new IllegalArgumentException("call needs a command name");
    }
    return core.call(commandAndArguments);
  }

  /**
   * Lends a connection to the primary serving {@code key}'s slot for several commands (a
   * transaction or a pipeline on keys of that slot: use a hash tag such as {@code {user1}.name}).
   * Nothing is retried or redirected here: the callback decides.
   */
  public <T> T withConnection(byte[] key, ConnectionCallback<T> callback) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(callback, "callback");
    return core.withConnection(ClusterKeys.slotOfKey(key), callback);
  }

  /** {@link #withConnection(byte[], ConnectionCallback)} for a UTF-8 key. */
  public <T> T withConnection(String key, ConnectionCallback<T> callback) {
    Objects.requireNonNull(key, "key");
    return withConnection(key.getBytes(StandardCharsets.UTF_8), callback);
  }

  /**
   * Lends a connection to the primary serving {@code slot} (any primary for -1), as
   * {@link #withConnection(byte[], ConnectionCallback)} does for a key.
   */
  public <T> T withConnection(int slot, ConnectionCallback<T> callback) {
    Objects.requireNonNull(callback, "callback");
    if (slot < -1 || slot > 16383) {
      throw new IllegalArgumentException("slot must be between -1 and 16383: " + slot);
    }
    return core.withConnection(slot, callback);
  }

  /** The hash slot (0-16383) of a key; hash tags ({@code {tag}}) are respected. */
  public static int slotOf(byte[] key) {
    return ClusterKeys.slotOfKey(key);
  }

  /**
   * The slot {@link #call} routes a raw command by (its first key's), or -1 when it names no key.
   */
  public static int commandSlot(byte[]... commandAndArguments) {
    return ClusterKeys.slot(commandAndArguments);
  }

  /** The primary serving {@code slot} now, as {@code host:port}, or null when none does. */
  public String primaryFor(int slot) {
    return core.primaryFor(slot);
  }

  /**
   * Whether a raw reply says the command ran nowhere and may be sent again, whatever it is:
   * {@code MOVED}, {@code ASK}, {@code TRYAGAIN}, {@code CLUSTERDOWN}, {@code READONLY},
   * {@code LOADING}. {@link #call} sends such commands again itself; this is for callers that
   * pipeline on {@link #withConnection} and resend with {@link #call}.
   */
  public static boolean isRedirectReply(Object reply) {
    return ClusterKeys.isRedirectReply(reply);
  }

  /** Each primary's pool counts, keyed {@code host:port}. */
  public Map<String, PoolStats> nodeStats() {
    return core.nodeStats();
  }

  /** The primaries in the current slot map, as {@code host:port}. */
  public Set<String> primaries() {
    return core.primaries().stream().map(HostAndPort::toString)
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  public String name() {
    return core.name();
  }

  /**
   * The settings every node's pool is built from (host, port and name are those of the first
   * seed; each node's pool has its own).
   */
  public RedisPoolConfig nodeConfig() {
    return core.nodeTemplate();
  }

  /** How long a command may wait for a failover ({@link Builder#failoverTimeout}). */
  public Duration failoverTimeout() {
    return core.failoverTimeout();
  }

  /** Closes every node's pool and the background threads. Idempotent. */
  @Override
  public void close() {
    core.close();
  }

  @Override
  public String toString() {
    return "RedisCluster[" + core + "]";
  }

  /**
   * Builds a {@link RedisCluster}. Every node's pool takes its settings from {@link #pool}; the
   * cluster's own are the seed nodes, {@link #failoverTimeout} and {@link #topologyRefreshInterval}.
   */
  public static final class Builder {
    private final List<HostAndPort> seeds = new ArrayList<>();
    private final RedisPool.Builder template = RedisPool.builder();
    private String name;
    private Duration failoverTimeout = DEFAULT_FAILOVER_TIMEOUT;
    private Duration topologyRefreshInterval = DEFAULT_TOPOLOGY_REFRESH_INTERVAL;

    private Builder() {}

    /** Seed nodes as {@code host:port}; any one that answers tells us the rest. */
    public Builder nodes(String... hostAndPorts) {
      for (String node : hostAndPorts) {
        seeds.add(parseNode(node, "nodes"));
      }
      return this;
    }

    /**
     * Seeds, credentials and client name from a URI:
     * {@code redis-cluster://[[user]:password@]host:port[,host:port...][?clientName=name]}
     * ({@code rediss-cluster://} for TLS).
     */
    public Builder uri(String uri) {
      if (uri == null || uri.isBlank()) {
        throw new IllegalArgumentException("uri must not be empty: '" + uri + "'");
      }
      String text = uri.trim();
      int schemeEnd = text.indexOf("://");
      String scheme = schemeEnd < 0 ? "" : text.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
      if (!scheme.equals("redis-cluster") && !scheme.equals("rediss-cluster")) {
        throw new IllegalArgumentException("uri must start with redis-cluster:// or"
            + " rediss-cluster://: '" + RedisPoolConfig.Settings.redact(text) + "'");
      }
      String rest = text.substring(schemeEnd + 3);
      int at = rest.lastIndexOf('@');
      String userInfo = at < 0 ? "" : rest.substring(0, at + 1);
      String hostsAndQuery = rest.substring(at + 1);
      int query = hostsAndQuery.indexOf('?');
      String hosts = query < 0 ? hostsAndQuery : hostsAndQuery.substring(0, query);
      hosts = hosts.endsWith("/") ? hosts.substring(0, hosts.length() - 1) : hosts;
      if (hosts.isEmpty()) {
        throw new IllegalArgumentException(
            "uri names no node: '" + RedisPoolConfig.Settings.redact(text) + "'");
      }
      List<HostAndPort> parsed = new ArrayList<>();
      for (String node : hosts.split(",")) {
        parsed.add(parseNode(node, "uri"));
      }
      // Credentials and parameters are those of a single-node URI: let the pool settings read them.
      String single = (scheme.equals("rediss-cluster") ? "rediss://" : "redis://") + userInfo
          + parsed.get(0) + (query < 0 ? "" : hostsAndQuery.substring(query));
      template.uri(single);
      seeds.addAll(parsed);
      return this;
    }

    /** Name used in log lines and thread names; default {@code redis-cluster-N}. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Settings for every node's pool (maxTotal, timeouts, heartbeat, credentials, ...), as on
     * {@link RedisPool.Builder}; host, port and name are set per node, and database must stay 0.
     */
    public Builder pool(Consumer<RedisPool.Builder> settings) {
      settings.accept(template);
      return this;
    }

    /**
     * Longest a command waits while its node cannot be reached, its slot has no primary, or the
     * cluster answers TRYAGAIN/CLUSTERDOWN: the time a failover may take. Default 15 s.
     */
    public Builder failoverTimeout(Duration failoverTimeout) {
      this.failoverTimeout = failoverTimeout;
      return this;
    }

    /** How often the slot map is read when nothing asks for it sooner. Default 5 s. */
    public Builder topologyRefreshInterval(Duration interval) {
      this.topologyRefreshInterval = interval;
      return this;
    }

    /**
     * Checks the settings without connecting and returns the seeds as a URI without credentials,
     * safe to log: {@code redis-cluster://h1:7000,h2:7001}.
     */
    public String display() {
      validated();
      return (template.buildConfig().ssl() ? "rediss-cluster://" : "redis-cluster://")
          + seeds.stream().map(HostAndPort::toString).collect(Collectors.joining(","));
    }

    public RedisCluster build() {
      RedisPoolConfig nodeTemplate = validated();
      String clusterName = name != null ? name : "redis-cluster-" + CLUSTER_NUMBER.incrementAndGet();
      return new RedisCluster(new ClusterCore(new ClusterCore.Settings(clusterName,
          Collections.unmodifiableSet(new LinkedHashSet<>(seeds)), nodeTemplate,
          node -> nodeConfig(nodeTemplate, clusterName, node), failoverTimeout,
          topologyRefreshInterval)));
    }

    private RedisPoolConfig validated() {
      if (seeds.isEmpty()) {
        throw new IllegalArgumentException("nodes must name at least one host:port: []");
      }
      if (failoverTimeout == null || failoverTimeout.isNegative()) {
        throw new IllegalArgumentException(
            "failoverTimeout must be zero or more: " + failoverTimeout);
      }
      if (topologyRefreshInterval == null || topologyRefreshInterval.toMillis() < 100) {
        throw new IllegalArgumentException(
            "topologyRefreshInterval must be at least 100 ms: " + topologyRefreshInterval);
      }
      RedisPoolConfig nodeTemplate = template.host(seeds.get(0).getHost())
          .port(seeds.get(0).getPort()).buildConfig();
      if (nodeTemplate.database() != 0) {
        throw new IllegalArgumentException(
            "database must be 0 on a cluster (it has only one): " + nodeTemplate.database());
      }
      return nodeTemplate;
    }

    private static HostAndPort parseNode(String text, String setting) {
      String node = text == null ? "" : text.trim();
      int colon = node.lastIndexOf(':');
      if (colon <= 0 || colon == node.length() - 1) {
        throw new IllegalArgumentException(setting + " must be host:port: '" + text + "'");
      }
      String host = node.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      try {
        int port = Integer.parseInt(node.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
        return new HostAndPort(host, port);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            setting + " port must be a number from 1 to 65535: '" + text + "'");
      }
    }

    /** A node's pool settings: the template's, with the node's address and a name naming it. */
    private static RedisPoolConfig nodeConfig(RedisPoolConfig t, String clusterName,
        HostAndPort node) {
      return RedisPool.builder()
          .name(clusterName + "-" + node.getHost() + ":" + node.getPort())
          .host(node.getHost()).port(node.getPort())
          .user(t.user()).password(t.password()).clientName(t.clientName()).ssl(t.ssl())
          .protocol(t.protocol()).maxTotal(t.maxTotal()).minIdle(t.minIdle())
          .borrowTimeout(t.borrowTimeout()).connectTimeout(t.connectTimeout())
          .readTimeout(t.readTimeout()).heartbeatInterval(t.heartbeatInterval())
          .heartbeatFromServerTimeout(t.heartbeatFromServerTimeout())
          .aliveBypassWindow(t.aliveBypassWindow()).pingOnBorrowAfter(t.pingOnBorrowAfter())
          .reconnectBackoffMin(t.reconnectBackoffMin())
          .reconnectBackoffMax(t.reconnectBackoffMax())
          .retrySafeCommands(t.retrySafeCommands()).maxLifetime(t.maxLifetime())
          .idleTimeout(t.idleTimeout()).leakDetectionThreshold(t.leakDetectionThreshold())
          .listener(t.listener()).registerMbeans(t.registerMbeans())
          .buildConfig();
    }
  }
}
