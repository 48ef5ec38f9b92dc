package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

class ClusterTopologyTest {

  @Test
  void readsPrimariesReplicasAndSlotRanges() {
    List<Object> reply = List.of(
        List.of(0L, 5460L, node("10.0.0.1", 7000), node("10.0.0.4", 7003)),
        List.of(5461L, 10922L, node("", 7001)), // empty host: the node that answered
        List.of(10923L, 16000L, node("10.0.0.3", 7002), node("?", 7005)));
    ClusterTopology topology = ClusterTopology.parse(reply, "10.0.0.9");
    HostAndPort first = new HostAndPort("10.0.0.1", 7000);
    assertEquals(first, topology.primaryFor(0));
    assertEquals(first, topology.primaryFor(5460));
    assertEquals(new HostAndPort("10.0.0.9", 7001), topology.primaryFor(5461));
    assertNull(topology.primaryFor(16383));
    assertEquals(383, topology.uncoveredSlots());
    assertEquals(3, topology.primaries().size());
    assertEquals(Set.of(new HostAndPort("10.0.0.4", 7003)), topology.replicas());
  }

  @Test
  void aMovedReplyCorrectsOneSlotOfTheRouter() {
    ClusterTopology topology = ClusterTopology.parse(
        List.of(List.of(0L, 16383L, node("a", 1))), "a");
    ClusterRouter router = new ClusterRouter(topology);
    HostAndPort b = new HostAndPort("b", 2);
    assertEquals(true, router.moved(42, b));
    assertEquals(false, router.moved(42, b));
    assertEquals(b, router.primaryFor(42));
    assertEquals(new HostAndPort("a", 1), router.primaryFor(43));
  }

  private static List<Object> node(String host, long port) {
    return List.of(host.getBytes(StandardCharsets.UTF_8), port, "id".getBytes(StandardCharsets.UTF_8));
  }
}
