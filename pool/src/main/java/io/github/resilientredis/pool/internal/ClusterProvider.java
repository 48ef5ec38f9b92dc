package io.github.resilientredis.pool.internal;

import java.util.Map;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.providers.ClusterConnectionProvider;

/**
 * Jedis's {@code ClusterConnectionProvider} answered from {@link ClusterCore}: connections come
 * from the per-node pools, nodes and slots from its slot map, and "renew the slot cache" becomes a
 * coalesced refresh request. Jedis's {@code RedisClusterClient} needs this exact type for
 * {@code pipelined()} and {@code getClusterNodes()}, so it is extended rather than implemented.
 *
 * <p>Jedis's constructor reads the topology once and builds commons-pool pools of its own (no
 * connections in them); they are closed at once, and every method that would use them is
 * overridden.
 */
final class ClusterProvider extends ClusterConnectionProvider {

  private final ClusterCore core;

  ClusterProvider(ClusterCore core, Set<HostAndPort> seeds, JedisClientConfig clientConfig) {
    super(seeds, clientConfig, withoutJmx());
    super.close();
    this.core = core;
  }

  private static GenericObjectPoolConfig<Connection> withoutJmx() {
    GenericObjectPoolConfig<Connection> config = new GenericObjectPoolConfig<>();
    config.setJmxEnabled(false);
    return config;
  }

  @Override
  public Connection getConnection(CommandArguments args) {
    Set<Integer> slots = args.getKeyHashSlots();
    if (slots.size() > 1) {
      throw new JedisClusterOperationException("Keys must belong to the same hash slot: " + slots);
    }
    return core.lendForJedis(slots.isEmpty() ? ClusterKeys.NO_KEY : slots.iterator().next());
  }

  /** Replicas are not pooled: reads go to the primary of their slot. */
  @Override
  public Connection getReplicaConnection(CommandArguments args) {
    return getConnection(args);
  }

  @Override
  public Connection getConnection() {
    return core.lend(ClusterKeys.NO_KEY, null, core.newAttempt());
  }

  @Override
  public Connection getConnection(HostAndPort node) {
    return core.nodes().pool(node).lend();
  }

  @Override
  public Connection getConnectionFromSlot(int slot) {
    return core.lend(slot, null, core.newAttempt());
  }

  @Override
  public Connection getReplicaConnectionFromSlot(int slot) {
    return getConnectionFromSlot(slot);
  }

  @Override
  public HostAndPort getNode(int slot) {
    return core.router().primaryFor(slot);
  }

  @Override
  public Map<String, ConnectionPool> getNodes() {
    return core.nodes().jedisViews();
  }

  @Override
  public Map<String, ConnectionPool> getPrimaryNodes() {
    return core.nodes().jedisViews();
  }

  @Override
  public Map<String, ConnectionPool> getConnectionMap() {
    return core.nodes().jedisViews();
  }

  @Override
  public Map<String, ConnectionPool> getPrimaryNodesConnectionMap() {
    return core.nodes().jedisViews();
  }

  @Override
  public void renewSlotCache() {
    core.requestRefresh();
  }

  @Override
  public void renewSlotCache(Connection connection) {
    core.requestRefresh();
  }

  /** The pools belong to the cluster: closing Jedis's client leaves them open. */
  @Override
  public void close() {}
}
