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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ClientKillParams;

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
  void loadAcrossAClusterFailover() throws Exception {
    ClusterLoad load = new ClusterLoad(jedisClient(), 8, "manual");
    load.start();
    load.resetSlowest(); // the event's operations, not the first ones of the threads
    int primary = nodes.primaryOfSlot(0);
    int replica = nodes.replicaOf(primary);
    long failoverMillis = nodes.manualFailover(replica);
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
    long failoverMillis = nodes.killAndAwaitPromotion(victim, replica);
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
    nodes.manualFailover(replica);
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

  @Test
  @Order(7)
  void aRetryToTheSameNodeReusesTheConnectionJedisLent() throws Exception {
    // One connection per node: a retry that borrowed a second one from the node it already holds
    // one of would wait out the borrow timeout (the bug 8 threads on a pool of 8 once hit).
    RedisCluster oneEach = oneConnectionPerNode("reuse-one");
    int slot = RedisCluster.slotOf(bytes("{again}"));
    int owner = nodes.primaryOfSlot(slot);
    int other = nodes.primaryPorts().stream().filter(p -> p != owner).findFirst().orElseThrow();
    String otherId = admin(other, jedis -> jedis.clusterMyId());
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    try {
      RedisClusterClient client = oneEach.client();
      client.set("{again}here", "1");
      client.del("{again}gone");
      // A multi-key read of a migrating slot with one key present and one absent: TRYAGAIN from
      // the same node, again and again, until the migration is called off.
      admin(owner, jedis -> jedis.clusterSetSlotMigrating(slot, otherId));
      later.schedule(() -> admin(owner, jedis -> jedis.clusterSetSlotStable(slot)), 1000,
          TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      assertEquals(Arrays.asList("1", null), client.mget("{again}here", "{again}gone"));
      long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(waitedMillis >= 900, "it went through TRYAGAIN replies: " + waitedMillis + " ms");
      assertEquals(1, oneEach.nodeStats().get("127.0.0.1:" + owner).total(),
          oneEach.nodeStats().toString());
    } finally {
      later.shutdownNow();
      admin(owner, jedis -> jedis.clusterSetSlotStable(slot));
      oneEach.close();
    }
  }

  @Test
  @Order(8)
  void aConnectionKilledMidCommandIsReplacedWhileJedisStillHoldsIt() throws Exception {
    // One connection per node again: the retry of a GET whose connection broke needs a new one
    // while Jedis still holds the broken one; it must be given back (closed) first.
    RedisCluster oneEach = oneConnectionPerNode("reuse-killed");
    int owner = nodes.primaryOfSlot(RedisCluster.slotOf(bytes("{killed}")));
    String ownerNode = "127.0.0.1:" + owner;
    AtomicBoolean stop = new AtomicBoolean();
    Thread killer = new Thread(() -> {
      for (int round = 0; round < 500 && !stop.get(); round++) {
        admin(owner, jedis -> {
          jedis.clientList().lines().filter(l -> l.contains(" name=reuse-killed "))
              .forEach(l -> jedis.clientKill(ClientKillParams.clientKillParams()
                  .id(l.substring(3, l.indexOf(' ')))));
          return null;
        });
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(15));
      }
    }, "killer");
    try {
      RedisClusterClient client = oneEach.client();
      client.set("{killed}k", "v");
      killer.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      int gets = 0;
      while (System.nanoTime() < deadline) {
        assertEquals("v", client.get("{killed}k")); // a GET is safe to send again: none fails
        gets++;
      }
      stop.set(true);
      killer.join(5000);
      long broken = oneEach.nodeStats().get(ownerNode).brokenConnections();
      System.out.printf("RedisClusterIT killed mid-command: %d GETs, %d connections broke%n",
          gets, broken);
      assertTrue(broken > 0, "the kills hit lent connections: " + oneEach.nodeStats());
    } finally {
      stop.set(true);
      killer.join(5000);
      oneEach.close();
    }
  }

  /** Another client of the same cluster whose node pools hold one connection each. */
  private static RedisCluster oneConnectionPerNode(String name) {
    return RedisCluster.builder()
        .name(name)
        .nodes(nodes.seeds().get(0))
        .pool(p -> p.maxTotal(1).borrowTimeout(Duration.ofMillis(300)).clientName(name))
        .failoverTimeout(Duration.ofSeconds(10))
        .build();
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
