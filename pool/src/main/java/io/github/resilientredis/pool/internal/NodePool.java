package io.github.resilientredis.pool.internal;

import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;

/** A cluster node's pool, and the {@code ConnectionPool} face Jedis's cluster API asks for. */
final class NodePool {

  private final HostAndPort node;
  private final PoolCore core;
  private final JedisView view;

  NodePool(HostAndPort node, PoolCore core) {
    this.node = node;
    this.core = core;
    this.view = new JedisView(core);
  }

  PoolCore core() {
    return core;
  }

  ConnectionPool jedisView() {
    return view;
  }

  /** Lends a connection that goes back to the pool when closed, as Jedis expects. */
  PooledConnection lend() {
    PooledConnection connection = core.borrow(false);
    connection.returnOnClose(true);
    return connection;
  }

  @Override
  public String toString() {
    return node + " " + core;
  }

  /**
   * Jedis's {@code ConnectionPool} type (a commons-pool {@code GenericObjectPool}) in front of a
   * {@link PoolCore}: {@link #getResource()} lends from the core, and the commons pool underneath
   * never holds a connection. Jedis's broadcast commands and {@code getClusterNodes()} use it.
   */
  private static final class JedisView extends ConnectionPool {
    private final PoolCore core;

    JedisView(PoolCore core) {
      super(new NoConnections(), withoutJmx());
      this.core = core;
    }

    @Override
    public Connection getResource() {
      PooledConnection connection = core.borrow(false);
      connection.returnOnClose(true);
      return connection;
    }

    /** The node's pool is closed by the cluster, not by whoever holds this view. */
    @Override
    public void close() {}

    private static GenericObjectPoolConfig<Connection> withoutJmx() {
      GenericObjectPoolConfig<Connection> config = new GenericObjectPoolConfig<>();
      config.setJmxEnabled(false);
      config.setMaxTotal(0);
      return config;
    }
  }

  /** The commons pool under the view never creates anything: lending goes to the core. */
  private static final class NoConnections extends BasePooledObjectFactory<Connection> {
    @Override
    public Connection create() {
      throw new UnsupportedOperationException("connections come from the node's PoolCore");
    }

    @Override
    public PooledObject<Connection> wrap(Connection connection) {
      return new DefaultPooledObject<>(connection);
    }
  }
}
