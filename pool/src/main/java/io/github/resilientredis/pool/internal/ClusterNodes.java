package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPoolConfig;
import io.github.resilientredis.pool.RedisPoolException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;

/**
 * One {@link PoolCore} per primary, all sharing one set of housekeeping threads. Pools are opened
 * when a node first serves slots (or a MOVED names it) and closed when it stops serving them: a
 * demoted primary's idle connections close at once and lent ones as they come back.
 */
final class ClusterNodes {

  private static final Logger log = LoggerFactory.getLogger(ClusterNodes.class);

  private final String clusterName;
  private final Function<HostAndPort, RedisPoolConfig> configFor;
  private final HousekeepingThreads threads;
  private final ConcurrentHashMap<HostAndPort, NodePool> pools = new ConcurrentHashMap<>();
  private volatile boolean closed;

  ClusterNodes(String clusterName, Function<HostAndPort, RedisPoolConfig> configFor,
      HousekeepingThreads threads) {
    this.clusterName = clusterName;
    this.configFor = configFor;
    this.threads = threads;
  }

  /** A node's pool, opened now if it has none. */
  NodePool pool(HostAndPort node) {
    NodePool pool = pools.get(node);
    if (pool != null) {
      return pool;
    }
    if (closed) {
      throw new RedisPoolException(RedisPoolException.Reason.CLOSED,
          clusterName + ": the cluster client is closed", null);
    }
    return pools.computeIfAbsent(node, n -> {
      log.info("{}: opening a pool for primary {}", clusterName, n);
      return new NodePool(n, new PoolCore(configFor.apply(n), threads));
    });
  }

  /** Closes the pools of nodes that are not in {@code primaries}. */
  void retainOnly(Set<HostAndPort> primaries) {
    for (Map.Entry<HostAndPort, NodePool> entry : pools.entrySet()) {
      if (!primaries.contains(entry.getKey()) && pools.remove(entry.getKey(), entry.getValue())) {
        log.info("{}: {} no longer serves slots as a primary; closing its pool", clusterName,
            entry.getKey());
        entry.getValue().core().close();
      }
    }
  }

  /** The pools as Jedis's cluster API wants them, keyed "host:port". */
  Map<String, ConnectionPool> jedisViews() {
    Map<String, ConnectionPool> views = new LinkedHashMap<>();
    pools.forEach((node, pool) -> views.put(node.toString(), pool.jedisView()));
    return views;
  }

  Map<String, PoolStats> stats() {
    Map<String, PoolStats> stats = new TreeMap<>();
    pools.forEach((node, pool) -> stats.put(node.toString(), pool.core().stats()));
    return stats;
  }

  void close() {
    closed = true;
    for (NodePool pool : pools.values()) {
      pool.core().close();
    }
    pools.clear();
  }
}
