package io.github.resilientredis.pool.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import redis.clients.jedis.HostAndPort;

/**
 * Which primary serves each of the 16384 slots, and which nodes are replicas, as one node told us
 * in its {@code CLUSTER SLOTS} reply. Immutable.
 */
final class ClusterTopology {

  static final int SLOTS = 16384;

  private final HostAndPort[] primaryBySlot;
  private final Set<HostAndPort> primaries;
  private final Set<HostAndPort> replicas;

  private ClusterTopology(HostAndPort[] primaryBySlot, Set<HostAndPort> primaries,
      Set<HostAndPort> replicas) {
    this.primaryBySlot = primaryBySlot;
    this.primaries = Collections.unmodifiableSet(primaries);
    this.replicas = Collections.unmodifiableSet(replicas);
  }

  /**
   * Reads a RESP2 {@code CLUSTER SLOTS} reply: {@code [[start, end, [host, port, id, ...],
   * [replica host, port, ...] ...] ...]}. An empty host means the node that answered.
   */
  static ClusterTopology parse(List<?> reply, String answeringHost) {
    HostAndPort[] bySlot = new HostAndPort[SLOTS];
    Set<HostAndPort> primaries = new LinkedHashSet<>();
    Set<HostAndPort> replicas = new LinkedHashSet<>();
    for (Object entry : reply) {
      List<?> range = (List<?>) entry;
      int start = ((Long) range.get(0)).intValue();
      int end = ((Long) range.get(1)).intValue();
      HostAndPort primary = node((List<?>) range.get(2), answeringHost);
      if (primary == null) {
        continue;
      }
      primaries.add(primary);
      Arrays.fill(bySlot, start, end + 1, primary);
      for (int i = 3; i < range.size(); i++) {
        HostAndPort replica = node((List<?>) range.get(i), answeringHost);
        if (replica != null) {
          replicas.add(replica);
        }
      }
    }
    replicas.removeAll(primaries);
    return new ClusterTopology(bySlot, primaries, replicas);
  }

  /** Null for "?" (the node does not know its address yet). */
  private static HostAndPort node(List<?> fields, String answeringHost) {
    String host = new String((byte[]) fields.get(0), StandardCharsets.UTF_8);
    int port = ((Long) fields.get(1)).intValue();
    if (host.equals("?")) {
      return null;
    }
    return new HostAndPort(host.isEmpty() ? answeringHost : host, port);
  }

  /** The primary of a slot, or null when no node serves it. */
  HostAndPort primaryFor(int slot) {
    return primaryBySlot[slot];
  }

  /** A copy of the slot map, for the router to change as MOVED replies arrive. */
  HostAndPort[] slotMap() {
    return primaryBySlot.clone();
  }

  Set<HostAndPort> primaries() {
    return primaries;
  }

  Set<HostAndPort> replicas() {
    return replicas;
  }

  /** How many slots no primary serves. */
  int uncoveredSlots() {
    int n = 0;
    for (HostAndPort node : primaryBySlot) {
      if (node == null) {
        n++;
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "primaries " + primaries + ", replicas " + replicas
        + (uncoveredSlots() == 0 ? "" : ", " + uncoveredSlots() + " slots unserved");
  }
}
