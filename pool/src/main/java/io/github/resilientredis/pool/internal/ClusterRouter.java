package io.github.resilientredis.pool.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import redis.clients.jedis.HostAndPort;

/**
 * The slot map commands are routed by: the last topology read, corrected slot by slot as MOVED
 * replies arrive, so that the commands that follow go to the new owner before the next refresh.
 */
final class ClusterRouter {

  private final AtomicInteger roundRobin = new AtomicInteger();
  private volatile ClusterTopology topology;
  private volatile AtomicReferenceArray<HostAndPort> slots;

  ClusterRouter(ClusterTopology initial) {
    update(initial);
  }

  void update(ClusterTopology next) {
    slots = new AtomicReferenceArray<>(next.slotMap());
    topology = next;
  }

  ClusterTopology topology() {
    return topology;
  }

  /** The primary serving a slot (or any primary for {@link ClusterKeys#NO_KEY}); null if none. */
  HostAndPort primaryFor(int slot) {
    if (slot == ClusterKeys.NO_KEY) {
      return anyPrimary();
    }
    return slots.get(slot);
  }

  /** Records a MOVED; true when it changed the map (then the rest of the map may be stale too). */
  boolean moved(int slot, HostAndPort target) {
    AtomicReferenceArray<HostAndPort> current = slots;
    HostAndPort before = current.getAndSet(slot, target);
    return !target.equals(before);
  }

  /** Whether the node serves any slot as a primary in the map commands are routed by. */
  boolean isPrimary(HostAndPort node) {
    if (topology.primaries().contains(node)) {
      return true;
    }
    AtomicReferenceArray<HostAndPort> current = slots;
    for (int i = 0; i < current.length(); i++) {
      if (node.equals(current.get(i))) {
        return true;
      }
    }
    return false;
  }

  HostAndPort anyPrimary() {
    List<HostAndPort> primaries = new ArrayList<>(topology.primaries());
    if (primaries.isEmpty()) {
      return null;
    }
    return primaries.get(Math.floorMod(roundRobin.getAndIncrement(), primaries.size()));
  }

  Set<HostAndPort> primaries() {
    return topology.primaries();
  }
}
