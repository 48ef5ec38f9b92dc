package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.PoolStats;
import io.github.resilientredis.pool.RedisPoolMXBean;
import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The pool's {@link RedisPoolMXBean}, registered with the platform MBean server. */
final class PoolMBean implements RedisPoolMXBean {

  private static final Logger log = LoggerFactory.getLogger(PoolMBean.class);

  private final PoolCore core;
  private final ObjectName objectName;

  private PoolMBean(PoolCore core, ObjectName objectName) {
    this.core = core;
    this.objectName = objectName;
  }

  /** Registers the pool's MBean; returns null (with one WARN) when it cannot. */
  static PoolMBean register(PoolCore core) {
    String name = core.config().name();
    try {
      ObjectName objectName = objectName(name);
      PoolMBean mbean = new PoolMBean(core, objectName);
      ManagementFactory.getPlatformMBeanServer().registerMBean(mbean, objectName);
      return mbean;
    } catch (JMException e) {
      log.warn("{}: could not register the JMX MBean (is another pool named '{}'?): {}", name,
          name, e.toString());
      return null;
    }
  }

  static ObjectName objectName(String poolName) throws JMException {
    return new ObjectName("io.github.resilientredis:type=RedisPool,name=" + ObjectName.quote(poolName));
  }

  void unregister() {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      server.unregisterMBean(objectName);
    } catch (JMException e) {
      log.debug("{}: could not unregister the JMX MBean: {}", core.config().name(), e.toString());
    }
  }

  private PoolStats stats() {
    return core.stats();
  }

  @Override public String getName() { return core.config().name(); }
  @Override public String getServer() { return core.config().serverUri(); }
  @Override public int getTotalConnections() { return stats().total(); }
  @Override public int getIdleConnections() { return stats().idle(); }
  @Override public int getActiveConnections() { return stats().active(); }
  @Override public int getThreadsAwaitingConnection() { return stats().waiting(); }
  @Override public int getMaxTotal() { return core.config().maxTotal(); }
  @Override public int getMinIdle() { return core.config().minIdle(); }
  @Override public long getConnectionsCreated() { return stats().created(); }
  @Override public long getConnectionsDestroyed() { return stats().destroyed(); }
  @Override public long getHeartbeatFailures() { return stats().heartbeatFailures(); }
  @Override public long getReconnects() { return stats().reconnects(); }
  @Override public long getConnectFailures() { return stats().connectFailures(); }
  @Override public long getBorrows() { return stats().borrows(); }
  @Override public void softEvictConnections() { core.softEvictConnections(); }
}
