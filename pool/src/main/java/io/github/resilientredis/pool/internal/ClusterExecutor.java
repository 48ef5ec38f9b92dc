package io.github.resilientredis.pool.internal;

import java.time.Duration;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.StaticCommandFlagsRegistry;
import redis.clients.jedis.executors.ClusterCommandExecutor;

/**
 * Jedis's {@code ClusterCommandExecutor}, which {@code RedisClusterClient} requires for multi-key
 * commands ({@code mget}, {@code del} across slots) and broadcasts. Its routing is kept: keyed
 * commands borrow through {@link ClusterProvider}, broadcasts visit every primary. Its retry loop
 * (final, retrying every connection error up to five times) is given one attempt; each attempt
 * runs {@link ClusterCore}'s loop instead, which knows what may be sent again.
 */
final class ClusterExecutor extends ClusterCommandExecutor {

  private final ClusterCore core;

  ClusterExecutor(ClusterProvider provider, ClusterCore core, Duration failoverTimeout) {
    super(provider, 1, failoverTimeout, StaticCommandFlagsRegistry.registry());
    this.core = core;
  }

  @Override
  protected <T> T execute(Connection connection, CommandObject<T> command) {
    return core.executeForJedis((PooledConnection) connection, command);
  }

  /** Closing Jedis's client leaves the cluster's pools open: the cluster closes them. */
  @Override
  public void close() {}
}
