package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.ConnectionCallback;
import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisCluster;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import redis.clients.jedis.RedisProtocol;

/**
 * What the bridge sends commands to: one Redis ({@link RedisPool}) or a Redis Cluster
 * ({@link RedisCluster}), chosen by the scheme of {@code --redis}. The gateway asks it where a
 * command goes; everything else about HTTP is the same for both.
 */
interface RedisBackend extends AutoCloseable {

  /** Whether {@code --redis} names a cluster ({@code redis-cluster://}, {@code rediss-cluster://}). */
  static boolean isClusterUri(String uri) {
    String lower = uri.trim().toLowerCase(Locale.ROOT);
    return lower.startsWith("redis-cluster://") || lower.startsWith("rediss-cluster://");
  }

  /**
   * Opens the pool, or the cluster's pools, with the bridge's settings, as the URL's user or
   * (when {@code user} is not null) as that ACL user.
   */
  static RedisBackend open(BridgeConfig config, String name, String user, String password) {
    if (isClusterUri(config.redisUri)) {
      return new Cluster(RedisCluster.builder()
          .uri(config.redisUri)
          .name(name)
          .pool(p -> settings(p, config, user, password))
          .build());
    }
    return new Single(settings(RedisPool.builder().uri(config.redisUri).name(name), config, user,
        password).build());
  }

  private static RedisPool.Builder settings(RedisPool.Builder builder, BridgeConfig config,
      String user, String password) {
    builder.protocol(RedisProtocol.RESP2)
        .maxTotal(config.poolSize)
        .borrowTimeout(config.borrowTimeout)
        .connectTimeout(config.connectTimeout)
        .readTimeout(config.commandTimeout);
    if (user != null) {
      builder.user(user).password(password);
    }
    return builder;
  }

  /** Whether commands are spread over a cluster's slots. */
  boolean isCluster();

  /** One command with the retry of the pool or the cluster; an error reply is returned. */
  Object call(byte[]... command);

  /** The slot a command goes to, or -1 (a single Redis, or a command without a key). */
  int slotOf(byte[][] command);

  /** Where a slot is served, to batch commands per node: "" for a single Redis. */
  String nodeFor(int slot);

  /** A connection to the node serving {@code slot} for several commands; nothing retried. */
  <T> T withConnection(int slot, ConnectionCallback<T> callback);

  /** A reply that means the command ran nowhere and may be sent again with {@link #call}. */
  boolean ranNothing(Object reply);

  /** The settings of one node's pool: subscriptions open their own connection with them. */
  RedisPoolConfig nodeConfig();

  /** Counts over every pool, for /metrics. */
  PoolStats stats();

  String name();

  @Override
  void close();

  /** One Redis. */
  final class Single implements RedisBackend {
    private final RedisPool pool;

    Single(RedisPool pool) {
      this.pool = pool;
    }

    @Override public boolean isCluster() { return false; }
    @Override public Object call(byte[]... command) { return pool.call(command); }
    @Override public int slotOf(byte[][] command) { return -1; }
    @Override public String nodeFor(int slot) { return ""; }

    @Override
    public <T> T withConnection(int slot, ConnectionCallback<T> callback) {
      return pool.withConnection(callback);
    }

    /** -LOADING; and -READONLY when the pool follows Sentinel (the master was demoted). */
    @Override
    public boolean ranNothing(Object reply) {
      return RedisPool.isLoadingReply(reply)
          || pool.config().sentinel() != null && RedisPool.isReadOnlyReply(reply);
    }
    @Override public RedisPoolConfig nodeConfig() { return pool.config(); }
    @Override public PoolStats stats() { return pool.stats(); }
    @Override public String name() { return pool.name(); }

    @Override public void close() { pool.close(); }
  }

  /** A Redis Cluster: commands routed by slot, a pool per primary. */
  final class Cluster implements RedisBackend {
    private final RedisCluster cluster;
    private final RedisPoolConfig template;

    Cluster(RedisCluster cluster) {
      this.cluster = cluster;
      this.template = cluster.nodeConfig();
    }

    @Override public boolean isCluster() { return true; }
    @Override public Object call(byte[]... command) { return cluster.call(command); }
    @Override public int slotOf(byte[][] command) { return RedisCluster.commandSlot(command); }

    @Override
    public String nodeFor(int slot) {
      String node = cluster.primaryFor(slot);
      return node == null ? "" : node;
    }

    @Override
    public <T> T withConnection(int slot, ConnectionCallback<T> callback) {
      return cluster.withConnection(slot, callback);
    }

    @Override public boolean ranNothing(Object reply) { return RedisCluster.isRedirectReply(reply); }
    @Override public RedisPoolConfig nodeConfig() { return template; }

    @Override
    public PoolStats stats() {
      return sum(cluster.nodeStats());
    }

    @Override public String name() { return cluster.name(); }

    @Override public void close() { cluster.close(); }

    private static PoolStats sum(Map<String, PoolStats> nodes) {
      int total = 0, idle = 0, active = 0, waiting = 0;
      long created = 0, destroyed = 0, heartbeat = 0, broken = 0, reconnects = 0, connect = 0;
      long borrows = 0;
      Duration waitTotal = Duration.ZERO;
      Duration waitMax = Duration.ZERO;
      for (PoolStats s : nodes.values()) {
        total += s.total();
        idle += s.idle();
        active += s.active();
        waiting += s.waiting();
        created += s.created();
        destroyed += s.destroyed();
        heartbeat += s.heartbeatFailures();
        broken += s.brokenConnections();
        reconnects += s.reconnects();
        connect += s.connectFailures();
        borrows += s.borrows();
        waitTotal = waitTotal.plus(s.borrowWaitTotal());
        waitMax = waitMax.compareTo(s.borrowWaitMax()) >= 0 ? waitMax : s.borrowWaitMax();
      }
      return new PoolStats(total, idle, active, waiting, created, destroyed, heartbeat, broken,
          reconnects, connect, borrows, waitTotal, waitMax);
    }
  }
}
