package io.github.resilientredis.pool.internal;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * The error replies of a cluster that mean "this command ran nowhere; send it again": redirects
 * (MOVED, ASK), a slot being moved (TRYAGAIN), a cluster without a primary for a slot
 * (CLUSTERDOWN), a write sent to a replica (READONLY), a node loading its data (LOADING).
 */
final class ClusterErrors {

  private ClusterErrors() {}

  /** Nothing ran: after a pause the same command may be sent again, whatever it is. */
  static boolean ranNothing(JedisDataException error) {
    String m = error.getMessage();
    return m != null && (m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN")
        || m.startsWith("READONLY") || m.startsWith("LOADING"));
  }

  /** The reply says our slot map is out of date: a failover or a reshard happened. */
  static boolean meansStaleMap(JedisDataException error) {
    String m = error.getMessage();
    return m != null && (m.startsWith("CLUSTERDOWN") || m.startsWith("READONLY"));
  }

  /**
   * A raw error reply as the exception Jedis would have thrown for it: MOVED and ASK become
   * redirects naming their target ({@code MOVED 3999 127.0.0.1:6381}; an empty host means the node
   * that answered), anything else stays as it is.
   */
  static JedisDataException asException(JedisDataException reply, String answeringHost) {
    String m = reply.getMessage();
    boolean moved = m != null && m.startsWith("MOVED ");
    boolean ask = m != null && m.startsWith("ASK ");
    if (!moved && !ask) {
      return reply;
    }
    String[] parts = m.split(" ");
    if (parts.length < 3) {
      return reply;
    }
    int colon = parts[2].lastIndexOf(':');
    String host = parts[2].substring(0, Math.max(0, colon));
    HostAndPort target = new HostAndPort(host.isEmpty() ? answeringHost : host,
        Integer.parseInt(parts[2].substring(colon + 1)));
    int slot = Integer.parseInt(parts[1]);
    return moved ? new JedisMovedDataException(m, target, slot)
        : new JedisAskDataException(m, target, slot);
  }

  static boolean isRedirect(Object reply) {
    if (!(reply instanceof JedisDataException error) || error.getMessage() == null) {
      return false;
    }
    String m = error.getMessage();
    return m.startsWith("MOVED ") || m.startsWith("ASK ") || ranNothing(error);
  }
}
