package io.github.resilientredis.pool.micrometer;

import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisCluster;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Shows each primary node's pool of a {@link RedisCluster} in a Micrometer registry, with the
 * meters of {@link RedisPoolMetrics} (same names) tagged {@code pool=<cluster name>} and
 * {@code node=<host:port>}. Micrometer is an optional dependency: add
 * {@code io.micrometer:micrometer-core} to use this class.
 *
 * <pre>{@code
 * new RedisClusterMetrics(cluster).bindTo(registry);
 * }</pre>
 *
 * <p>The meters follow the cluster's pools: a node that becomes a primary gets its meters, and a
 * node whose pool was closed (no longer a primary, or the cluster closed) has them removed from the
 * registry. The binder re-syncs each time the cluster opens or closes a node's pool
 * ({@link RedisCluster#onNodePoolsChanged}) rather than on each scrape: Micrometer has no scrape
 * hook, pools change rarely (a topology refresh, a MOVED), and a sync at the change leaves no window
 * where a closed pool's meters linger or a new one's are missing. Each sync compares the registered
 * nodes with {@link RedisCluster#nodeStats()}, so syncs racing on two threads still end right.
 */
public final class RedisClusterMetrics implements MeterBinder {

  private final RedisCluster cluster;
  private final Iterable<Tag> tags;
  private final Map<MeterRegistry, Map<String, NodeMeters>> bound = new HashMap<>();

  public RedisClusterMetrics(RedisCluster cluster) {
    this(cluster, Tags.empty());
  }

  public RedisClusterMetrics(RedisCluster cluster, Iterable<Tag> tags) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.tags = Tags.concat(tags, "pool", cluster.name());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    boolean first;
    synchronized (this) {
      first = bound.isEmpty();
      bound.putIfAbsent(registry, new HashMap<>());
    }
    if (first) {
      cluster.onNodePoolsChanged(this::sync);
    }
    sync();
  }

  /** Registers meters for the nodes with a pool and removes those of nodes without one. */
  private synchronized void sync() {
    Set<String> nodes = cluster.nodeStats().keySet();
    bound.forEach((registry, meters) -> {
      meters.entrySet().removeIf(entry -> {
        if (nodes.contains(entry.getKey())) {
          return false;
        }
        entry.getValue().meters().forEach(registry::remove);
        return true;
      });
      for (String node : nodes) {
        meters.computeIfAbsent(node, n -> register(registry, n));
      }
    });
  }

  private NodeMeters register(MeterRegistry registry, String node) {
    NodeMeters nodeMeters = new NodeMeters(cluster, node, new ArrayList<>());
    nodeMeters.meters().addAll(PoolMeters.register(registry, Tags.concat(tags, "node", node),
        nodeMeters, NodeMeters::stats, m -> m.cluster().nodeConfig().maxTotal()));
    return nodeMeters;
  }

  /** One node's meters; held here, so that the registry's weak reference to it stays valid. */
  private record NodeMeters(RedisCluster cluster, String node, List<Meter> meters) {
    PoolStats stats() {
      return cluster.nodeStats(node);
    }
  }
}
