package io.github.resilientredis.bridge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A /pipeline on a Redis Cluster: the commands are grouped by the primary serving their slot,
 * each group is pipelined on a connection to that primary, and the replies are put back in the
 * order of the request. A reply saying the command ran nowhere (MOVED, ASK, TRYAGAIN,
 * CLUSTERDOWN: the slot map changed meanwhile) is replaced by the reply to sending that command
 * again with the cluster's own retry. Not atomic, as a pipeline on one Redis is not.
 */
final class SlotPipeline {

  private final RedisBackend cluster;

  SlotPipeline(RedisBackend cluster) {
    this.cluster = cluster;
  }

  List<Object> run(List<byte[][]> commands) {
    Map<String, List<Integer>> byNode = new LinkedHashMap<>();
    int[] slots = new int[commands.size()];
    for (int i = 0; i < commands.size(); i++) {
      slots[i] = cluster.slotOf(commands.get(i));
      byNode.computeIfAbsent(cluster.nodeFor(slots[i]), n -> new ArrayList<>()).add(i);
    }
    Object[] replies = new Object[commands.size()];
    for (List<Integer> group : byNode.values()) {
      cluster.withConnection(slots[group.get(0)], conn -> {
        for (int i : group) {
          conn.send(commands.get(i));
        }
        for (int i : group) {
          replies[i] = conn.receive();
        }
        return null;
      });
    }
    for (int i = 0; i < replies.length; i++) {
      if (cluster.ranNothing(replies[i])) {
        replies[i] = cluster.call(commands.get(i));
      }
    }
    return Arrays.asList(replies);
  }

  /**
   * The one slot of a transaction's keys (-1 when it names none); a 400 when they span several,
   * since one primary must run the whole transaction.
   */
  static int singleSlot(RedisBackend cluster, List<Command> commands) {
    TreeSet<Integer> slots = new TreeSet<>();
    for (Command command : commands) {
      int slot = cluster.slotOf(command.args);
      if (slot >= 0) {
        slots.add(slot);
      }
    }
    if (slots.size() > 1) {
      throw BridgeException.badRequest("ERR a transaction on a Redis Cluster needs every key in"
          + " one hash slot; these keys are in slots " + slots + " (put a hash tag in the keys,"
          + " such as {user1}.name and {user1}.visits)");
    }
    return slots.isEmpty() ? -1 : slots.first();
  }
}
