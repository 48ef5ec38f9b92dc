package io.github.resilientredis.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.ClusterLoad;
import io.github.resilientredis.it.support.RedisClusterProcesses;
import io.github.resilientredis.pool.RedisCluster;
import io.github.resilientredis.pool.micrometer.RedisClusterMetrics;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;

/**
 * {@link RedisCluster} against a real cluster of 3 primaries and 3 replicas (redis-server
 * processes, {@code timeout 2}, {@code cluster-node-timeout 2000}), one cluster for the class:
 * Jedis's cluster API over the pools, then 8 threads of GET/SET/INCR across idling past the
 * server's timeout, a {@code CLUSTER FAILOVER}, a slot migration with keys moved mid-load, and a
 * primary killed with {@code kill -9} and restarted; last, the Micrometer view per node across
 * another {@code CLUSTER FAILOVER}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIT {

  private static final int SERVER_TIMEOUT_SECONDS = 2;
  private static final Duration REFRESH = Duration.ofSeconds(1);

  private static RedisClusterProcesses nodes;
  private static RedisCluster cluster;
  private static RedisClusterClient redis;

  @BeforeAll
  static void startCluster() {
    nodes = RedisClusterProcesses.start(3, SERVER_TIMEOUT_SECONDS);
    cluster = RedisCluster.builder()
        .name("it-cluster")
        .nodes(nodes.seeds().get(0))
        .pool(p -> p.maxTotal(8).clientName("cluster-it"))
        .topologyRefreshInterval(REFRESH)
        .failoverTimeout(Duration.ofSeconds(15))
        .build();
    redis = cluster.client();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  @Order(1)
  void jedisClusterApiWorksOverThePools() {
    assertEquals(3, cluster.primaries().size(), cluster.primaries().toString());
    redis.set("a", "1");
    redis.set("b", "2");
    redis.set("c", "3");
    assertEquals(List.of("1", "2", "3"), redis.mget("a", "b", "c")); // three slots
    assertEquals(3, redis.del("a", "b", "c"));
    assertEquals(0, redis.dbSize()); // a broadcast to every primary, summed

    try (ClusterPipeline pipeline = redis.pipelined()) {
      List<Response<String>> replies = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        pipeline.set("p" + i, "v" + i);
        replies.add(pipeline.get("p" + i));
      }
      pipeline.sync();
      for (int i = 0; i < 20; i++) {
        assertEquals("v" + i, replies.get(i).get());
      }
    }

    assertEquals("OK", cluster.call(bytes("SET"), bytes("raw"), bytes("x")));
    assertEquals("x", new String((byte[]) cluster.call(bytes("GET"), bytes("raw")),
        StandardCharsets.UTF_8));

    Object exec = cluster.withConnection("{user1}", connection -> {
      connection.call(bytes("MULTI"));
      connection.call(bytes("SET"), bytes("{user1}.name"), bytes("ann"));
      connection.call(bytes("INCR"), bytes("{user1}.visits"));
      return connection.call(bytes("EXEC"));
    });
    assertEquals(2, ((List<?>) exec).size());
    assertEquals("ann", redis.get("{user1}.name"));
    assertEquals(3, cluster.nodeStats().size(), cluster.nodeStats().toString());
    assertTrue(clusterThreads() <= 4, "threads: " + threadNames());
  }

  @Test
  @Order(2)
  void idlePastEveryNodesTimeoutThenABurstFailsNothing() throws Exception {
    ClusterLoad load = new ClusterLoad(jedisClient(), 8, "idle");
    load.start();
    load.stop();
    // The server closes clients idle longer than its timeout: wait that long with no traffic.
    TimeUnit.MILLISECONDS.sleep(TimeUnit.SECONDS.toMillis(SERVER_TIMEOUT_SECONDS) + 1500);
    ExecutorService burst = Executors.newFixedThreadPool(8);
    try {
      List<Callable<String>> gets = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        String key = "idle:t" + (i % 8) + ":k" + (i % 40);
        gets.add(() -> redis.get(key));
      }
      for (Future<String> f : burst.invokeAll(gets)) {
        f.get(); // throws if any GET failed
      }
    } finally {
      burst.shutdownNow();
    }
    load.assertSafe(redis::get);
  }

  @Test
  @Order(3)
  @Disabled("known bug, README 'Testing': a command Jedis's executor lent a connection for holds it"
      + " while its retry borrows another from the same node, so 8 threads on a pool of 8 can wait"
      + " out the borrow timeout during CLUSTER FAILOVER")
  void loadAcrossAClusterFailover() throws Exception {
    ClusterLoad load = new ClusterLoad(jedisClient(), 8, "manual");
    load.start();
    load.resetSlowest(); // the event's operations, not the first ones of the threads
    int primary = nodes.primaryOfSlot(0);
    int replica = nodes.replicaOf(primary);
    long failoverMillis = timeUntilMaster(replica, () -> {
      try (Jedis jedis = nodes.jedis(replica)) {
        jedis.clusterFailover();
      }
    });
    load.awaitMoreOps(2000);
    load.stop();
    nodes.awaitHealthy();
    report("CLUSTER FAILOVER", failoverMillis, load);
    assertTrue(load.slowestMillis() <= failoverMillis + 500, "slowest operation "
        + load.slowestMillis() + " ms (" + load.slowestWhat() + "), failover took "
        + failoverMillis + " ms; errors " + load.errors());
    load.assertSafe(redis::get);
    assertEquals(0, load.failedIncrs(), "no connection broke: " + load.errors());
    Await.until(REFRESH.plusMillis(500), "the demoted primary's pool closed within one refresh",
        () -> !cluster.nodeStats().containsKey("127.0.0.1:" + primary));
    assertTrue(cluster.nodeStats().containsKey("127.0.0.1:" + replica), cluster.nodeStats()
        .keySet().toString());
  }

  @Test
  @Order(4)
  void loadAcrossASlotMigrationWithKeysMovedMidLoad() throws Exception {
    ClusterLoad load = new ClusterLoad(jedisClient(), 8, "moving");
    load.start();
    load.resetSlowest(); // the event's operations, not the first ones of the threads
    int slot = RedisCluster.slotOf(bytes(ClusterLoad.TAG));
    int source = nodes.primaryOfSlot(slot);
    int target = nodes.primaryPorts().stream().filter(p -> p != source).findFirst().orElseThrow();
    try {
      migrate(slot, source, target, load);
      load.awaitMoreOps(2000);
    } finally {
      load.stop();
    }
    report("slot migration", 0, load);
    assertTrue(load.slowestMillis() <= 500, "slowest operation " + load.slowestMillis() + " ms: "
        + load.slowestWhat() + "; errors " + load.errors());
    assertEquals(target, nodes.primaryOfSlot(slot));
    load.assertSafe(redis::get);
    assertEquals(0, load.failedIncrs(), "nothing broke: " + load.errors());
  }

  @Test
  @Order(5)
  void loadAcrossAKilledPrimaryThenItsRestart() throws Exception {
    int threadsBefore = clusterThreads();
    ClusterLoad load = new ClusterLoad(jedisClient(), 8, "killed");
    load.start();
    load.resetSlowest(); // the event's operations, not the first ones of the threads
    int victim = nodes.primaryOfSlot(100);
    int replica = nodes.replicaOf(victim);
    long failoverMillis = timeUntilMaster(replica, () -> nodes.killInSync(victim, replica));
    load.awaitMoreOps(2000);
    load.stop();
    report("kill -9 of a primary", failoverMillis, load);
    assertTrue(load.slowestMillis() <= failoverMillis + 500, "slowest operation "
        + load.slowestMillis() + " ms (" + load.slowestWhat() + "), failover took "
        + failoverMillis + " ms; errors " + load.errors());
    load.assertSafe(redis::get);

    String victimNode = "127.0.0.1:" + victim;
    Await.until(REFRESH.plusMillis(500), "the dead primary's pool closed within one refresh",
        () -> !cluster.nodeStats().containsKey(victimNode));
    nodes.restart(victim);
    nodes.awaitHealthy();
    assertEquals("slave", nodes.role(victim));
    ClusterLoad after = new ClusterLoad(jedisClient(), 8, "restarted");
    after.start();
    after.stop();
    after.assertSafe(redis::get);
    assertFalse(cluster.nodeStats().containsKey(victimNode), "a replica gets no pool");
    assertEquals(3, cluster.nodeStats().size(), cluster.nodeStats().toString());
    assertTrue(clusterThreads() <= Math.max(4, threadsBefore), "threads: " + threadNames());
    for (int port : nodes.livePorts()) {
      assertTrue(ourConnections(port) <= 8 + 1, "connections on " + port + ": "
          + ourConnections(port)); // a pool's maxTotal, plus a topology read in flight
    }
  }

  @Test
  @Order(6)
  void micrometerShowsEachPrimarysPoolAndFollowsAFailover() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new RedisClusterMetrics(cluster).bindTo(registry);
    assertEquals(cluster.primaries(), meteredNodes(registry));
    Map<String, Double> before = borrowsByNode(registry);
    ClusterLoad load = new ClusterLoad(jedisClient(), 4, "metrics");
    load.start();
    load.awaitMoreOps(500);
    load.stop();
    Map<String, Double> after = borrowsByNode(registry);
    for (String node : cluster.primaries()) {
      assertTrue(after.get(node) > before.get(node), node + " borrows " + before + " -> " + after);
      assertEquals(8.0, registry.get("redis.pool.connections.max")
          .tags("pool", "it-cluster", "node", node).gauge().value());
    }

    // not the shard of the earlier events: its replica was killed, restarted and re-synced
    int primary = nodes.primaryWithOriginalReplica();
    int replica = nodes.replicaOf(primary);
    nodes.awaitReadyReplica(primary, replica);
    timeUntilMaster(replica, () -> {
      try (Jedis jedis = nodes.jedis(replica)) {
        jedis.clusterFailover();
      }
    });
    nodes.awaitHealthy();
    String demoted = "127.0.0.1:" + primary;
    String promoted = "127.0.0.1:" + replica;
    Await.until(REFRESH.plusMillis(1500), "the meters follow the failover",
        () -> meteredNodes(registry).contains(promoted) && !meteredNodes(registry).contains(demoted));
    assertEquals(cluster.primaries(), meteredNodes(registry));
    assertTrue(registry.find("redis.pool.connections").tag("node", demoted).meters().isEmpty(),
        "the demoted node's meters are removed");
    assertEquals(3, registry.find("redis.pool.connections.created").meters().size(),
        "one set of meters per primary, none left over: " + meteredNodes(registry));
  }

  private static Set<String> meteredNodes(SimpleMeterRegistry registry) {
    return registry.find("redis.pool.borrow.wait").tag("pool", "it-cluster").functionTimers()
        .stream().map(t -> t.getId().getTag("node")).collect(Collectors.toSet());
  }

  private static Map<String, Double> borrowsByNode(SimpleMeterRegistry registry) {
    Map<String, Double> borrows = new HashMap<>();
    for (FunctionTimer timer : registry.find("redis.pool.borrow.wait").functionTimers()) {
      borrows.put(timer.getId().getTag("node"), timer.count());
    }
    return borrows;
  }

  private static void report(String event, long failoverMillis, ClusterLoad load) {
    System.out.printf("RedisClusterIT %s: failover %d ms, slowest operation %d ms, failed INCR %d%n",
        event, failoverMillis, load.slowestMillis(), load.failedIncrs());
  }

  private long timeUntilMaster(int replica, Runnable event) {
    long start = System.nanoTime();
    event.run();
    Await.until(Duration.ofSeconds(20), replica + " reports master",
        () -> nodes.role(replica).equals("master"));
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** Moves {@code slot} key by key while the load runs, then gives it to {@code target}. */
  private void migrate(int slot, int source, int target, ClusterLoad load) {
    String sourceId = admin(source, jedis -> jedis.clusterMyId());
    String targetId = admin(target, jedis -> jedis.clusterMyId());
    admin(target, jedis -> jedis.clusterSetSlotImporting(slot, sourceId));
    admin(source, jedis -> jedis.clusterSetSlotMigrating(slot, targetId));
    for (int round = 0; round < 1000; round++) {
      List<String> keys = admin(source, jedis -> jedis.clusterGetKeysInSlot(slot, 1));
      if (keys.isEmpty()) {
        break;
      }
      admin(source, jedis -> jedis.sendCommand(Protocol.Command.MIGRATE, "127.0.0.1",
          String.valueOf(target), "", "0", "5000", "KEYS", keys.get(0)));
      load.awaitMoreOps(100); // keys move while the load reads and writes them
    }
    admin(target, jedis -> jedis.clusterSetSlotNode(slot, targetId));
    admin(source, jedis -> jedis.clusterSetSlotNode(slot, targetId));
    for (int port : nodes.primaryPorts()) {
      admin(port, jedis -> jedis.clusterSetSlotNode(slot, targetId));
    }
  }

  /** One admin command on a fresh connection (the server closes idle ones after 2 s). */
  private static <T> T admin(int port, java.util.function.Function<Jedis, T> command) {
    try (Jedis jedis = nodes.jedis(port)) {
      return command.apply(jedis);
    }
  }

  private int ourConnections(int port) {
    try (Jedis jedis = nodes.jedis(port)) {
      return (int) jedis.clientList().lines().filter(l -> l.contains("name=cluster-it ")).count();
    }
  }

  private static ClusterLoad.Client jedisClient() {
    return new ClusterLoad.Client() {
      @Override
      public String get(String key) {
        return redis.get(key);
      }

      @Override
      public void set(String key, String value) {
        redis.set(key, value);
      }

      @Override
      public long incr(String key) {
        return redis.incr(key);
      }
    };
  }

  private static int clusterThreads() {
    return threadNames().size();
  }

  private static List<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(n -> n.startsWith("it-cluster")).sorted().toList();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
