package io.github.resilientredis.pool.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Reads the cluster's slot map with {@code CLUSTER SLOTS} on one thread of its own: periodically,
 * and whenever {@link #request()} is called (a MOVED that changed the map, a node failing,
 * {@code -CLUSTERDOWN}). Requests made while one is pending are coalesced into it, and refreshes
 * are at least {@link #MIN_INTERVAL_NANOS} apart, so a thousand failing commands cost one
 * {@code CLUSTER SLOTS} per interval, not a thousand.
 *
 * <p>Each refresh opens a short-lived connection of its own, outside the pools, so that it never
 * waits behind borrowers nor finds a connection the server closed for idleness; when a node does
 * not answer it asks the next known node, then the seeds.
 */
final class TopologyRefresher {

  private static final Logger log = LoggerFactory.getLogger(TopologyRefresher.class);
  static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final String clusterName;
  private final JedisClientConfig clientConfig;
  private final Set<HostAndPort> seeds;
  private final Supplier<Collection<HostAndPort>> knownNodes;
  private final Listener onTopology;

  /** Hears each topology read, with the time its read began. */
  interface Listener {
    void read(ClusterTopology topology, long readStartNanos);
  }
  private final Ticker ticker;
  private final ScheduledThreadPoolExecutor thread;
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile long lastRefreshNanos;
  private int rotation;

  TopologyRefresher(String clusterName, JedisClientConfig clientConfig, Set<HostAndPort> seeds,
      Supplier<Collection<HostAndPort>> knownNodes, Listener onTopology,
      Ticker ticker) {
    this.clusterName = clusterName;
    this.clientConfig = clientConfig;
    this.seeds = seeds;
    this.knownNodes = knownNodes;
    this.onTopology = onTopology;
    this.ticker = ticker;
    this.thread = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread t = new Thread(runnable, clusterName + "-topology");
      t.setDaemon(true);
      return t;
    });
    thread.setRemoveOnCancelPolicy(true);
  }

  /** Reads the topology from the seeds now, on the caller's thread; throws if none answers. */
  ClusterTopology readFirst() {
    ClusterTopology topology = read(new ArrayList<>(seeds));
    if (topology == null) {
      throw new JedisClusterOperationException(clusterName + ": no seed node answered CLUSTER"
          + " SLOTS: " + seeds);
    }
    lastRefreshNanos = ticker.nanoTime();
    return topology;
  }

  /** Starts the periodic refresh. */
  void start(long periodNanos) {
    thread.scheduleWithFixedDelay(this::request, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
  }

  /** Asks for a refresh soon; one already pending covers this request too. */
  void request() {
    if (!pending.compareAndSet(false, true)) {
      return;
    }
    long wait = Math.max(0, lastRefreshNanos + MIN_INTERVAL_NANOS - ticker.nanoTime());
    try {
      thread.schedule(this::refresh, wait, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      pending.set(false);
    }
  }

  private void refresh() {
    // Cleared before reading: a request arriving during the read schedules one more after it.
    pending.set(false);
    long start = ticker.nanoTime();
    lastRefreshNanos = start;
    try {
      ClusterTopology topology = read(candidates());
      if (topology == null) {
        log.warn("{}: no node answered CLUSTER SLOTS; keeping the slot map we have", clusterName);
        return;
      }
      onTopology.read(topology, start);
    } catch (RuntimeException e) {
      log.error("{}: topology refresh failed", clusterName, e);
    }
  }

  /** The known nodes from a rotating start, then the seeds. */
  private List<HostAndPort> candidates() {
    List<HostAndPort> known = new ArrayList<>(knownNodes.get());
    Set<HostAndPort> ordered = new LinkedHashSet<>();
    if (!known.isEmpty()) {
      int start = Math.floorMod(rotation++, known.size());
      for (int i = 0; i < known.size(); i++) {
        ordered.add(known.get((start + i) % known.size()));
      }
    }
    ordered.addAll(seeds);
    return new ArrayList<>(ordered);
  }

  private ClusterTopology read(List<HostAndPort> nodes) {
    for (HostAndPort node : nodes) {
      try (Connection connection = new Connection(node, clientConfig)) {
        connection.sendCommand(Protocol.Command.CLUSTER, "SLOTS");
        List<Object> reply = connection.getObjectMultiBulkReply();
        ClusterTopology topology = ClusterTopology.parse(reply, node.getHost());
        if (!topology.primaries().isEmpty()) {
          log.debug("{}: topology from {}: {}", clusterName, node, topology);
          return topology;
        }
      } catch (JedisException | ClassCastException | IndexOutOfBoundsException e) {
        log.debug("{}: CLUSTER SLOTS on {} failed: {}", clusterName, node, e.toString());
      }
    }
    return null;
  }

  void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
