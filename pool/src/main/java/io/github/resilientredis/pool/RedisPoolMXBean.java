package io.github.resilientredis.pool;

/**
 * The pool as JMX shows it (jconsole, VisualVM), registered as
 * {@code io.github.resilientredis:type=RedisPool,name=<pool name>} when the pool is built with
 * {@code registerMbeans(true)}.
 */
public interface RedisPoolMXBean {
  String getName();

  String getServer();

  int getTotalConnections();

  int getIdleConnections();

  int getActiveConnections();

  int getThreadsAwaitingConnection();

  int getMaxTotal();

  int getMinIdle();

  long getConnectionsCreated();

  long getConnectionsDestroyed();

  long getHeartbeatFailures();

  long getReconnects();

  long getConnectFailures();

  long getBorrows();

  /** Closes idle connections now and lent ones when they come back; new ones replace them. */
  void softEvictConnections();
}
