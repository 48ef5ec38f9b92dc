package io.github.resilientredis.pool.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
  /**
   * MOVED replies that changed the map, by slot: a topology read that began before one of them
   * may come from a node that has not heard of the move yet, and must not undo it.
   */
  private final ConcurrentHashMap<Integer, Move> moves = new ConcurrentHashMap<>();

  private record Move(HostAndPort node, long nanos) {}

  ClusterRouter(ClusterTopology initial) {
    update(initial);
  }

  void update(ClusterTopology next) {
    update(next, System.nanoTime());
  }

  /** A topology read that began at {@code readStartNanos}; later MOVED replies stay applied. */
  void update(ClusterTopology next, long readStartNanos) {
    AtomicReferenceArray<HostAndPort> map = new AtomicReferenceArray<>(next.slotMap());
    moves.forEach((slot, move) -> {
      if (move.nanos() - readStartNanos > 0) {
        map.set(slot, move.node());
      } else {
        moves.remove(slot, move); // the read saw it
      }
    });
    slots = map;
    topology = next;
  }

  /** The primaries of the last read, and the targets of MOVED replies it had not seen yet. */
  Set<HostAndPort> primariesInUse() {
    Set<HostAndPort> inUse = new LinkedHashSet<>(topology.primaries());
    moves.values().forEach(move -> inUse.add(move.node()));
    return inUse;
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
    if (target.equals(before)) {
      return false;
    }
    moves.put(slot, new Move(target, System.nanoTime()));
    return true;
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
