package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.ClusterLoad;
import io.github.resilientredis.it.support.RedisClusterProcesses;
import io.github.resilientredis.pool.RedisCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The bridge with {@code --redis redis-cluster://...} against a real cluster of 3 primaries and 3
 * replicas (redis-server processes, {@code timeout 2}): commands and pipelines routed by slot, a
 * cross-slot pipeline answered in order, transactions in one slot, then 8 threads of GET/SET/INCR
 * over HTTP across idling, a {@code CLUSTER FAILOVER} and a {@code kill -9} of a primary.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterBridgeIT {

  private static final Gson GSON = new Gson();
  private static RedisClusterProcesses nodes;
  private static RedisHttpBridge bridge;
  private static BridgeHttp http;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    nodes = RedisClusterProcesses.start(3, 2);
    bridge = RedisHttpBridge.builder()
        .redis("redis-cluster://" + String.join(",", nodes.seeds().subList(0, 2)))
        .port(0)
        .start();
    http = new BridgeHttp(bridge.url(), null);
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  @Order(1)
  void commandsAndPipelinesAreRoutedBySlotAndAnsweredInOrder() {
    assertEquals("OK", result(List.of("SET", "a", "1")));
    assertEquals("1", result(List.of("GET", "a")));
    http.get("/SET/b/2").expect(200);
    assertEquals("2", http.get("/GET/b").json().getAsJsonObject().get("GET").getAsString());

    List<List<String>> pipeline = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      pipeline.add(List.of("SET", "pipe" + i, "v" + i));
      pipeline.add(List.of("GET", "pipe" + i));
      pipeline.add(List.of("INCR", "count" + i));
    }
    JsonArray replies = http.post("/pipeline", GSON.toJson(pipeline)).expect(200).json()
        .getAsJsonArray();
    assertEquals(90, replies.size());
    for (int i = 0; i < 30; i++) {
      assertEquals("OK", replies.get(3 * i).getAsJsonObject().get("result").getAsString());
      assertEquals("v" + i, replies.get(3 * i + 1).getAsJsonObject().get("result").getAsString());
      assertEquals(1, replies.get(3 * i + 2).getAsJsonObject().get("result").getAsLong());
    }
    long slots = pipeline.stream().map(c -> RedisCluster.slotOf(bytes(c.get(1)))).distinct()
        .count();
    assertTrue(slots > 3, "the pipeline spans " + slots + " slots");
  }

  @Test
  @Order(2)
  void aTransactionNeedsOneSlot() {
    JsonArray exec = http.post("/multi-exec",
        "[[\"SET\",\"{u1}.name\",\"ann\"],[\"INCR\",\"{u1}.visits\"]]").expect(200).json()
        .getAsJsonArray();
    assertEquals(2, exec.size());
    http.post("/multi-exec", "[[\"SET\",\"a\",\"1\"],[\"SET\",\"b\",\"2\"]]")
        .expectError(400, "one hash slot");
    assertEquals("1", result(List.of("GET", "a")), "the refused transaction ran nothing");
  }

  @Test
  @Order(3)
  void idlePastTheServersTimeoutThenABurstOverHttp() throws Exception {
    ClusterLoad warm = new ClusterLoad(httpClient(), 8, "hidle");
    warm.start();
    warm.stop();
    TimeUnit.MILLISECONDS.sleep(3500); // past the server's 2 s timeout, with no traffic
    ExecutorService burst = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Object>> gets = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        String key = "hidle:t" + (i % 8) + ":k" + (i % 40);
        gets.add(() -> result(List.of("GET", key)));
      }
      for (Future<Object> f : burst.invokeAll(gets)) {
        f.get();
      }
    } finally {
      burst.shutdownNow();
    }
    warm.assertSafe(ClusterBridgeIT::get);
  }

  @Test
  @Order(4)
  void loadOverHttpAcrossAClusterFailoverAndAKilledPrimary() throws Exception {
    ClusterLoad load = new ClusterLoad(httpClient(), 8, "hfail");
    load.start();
    load.resetSlowest(); // the event's operations, not the first ones of the threads
    int primary = nodes.primaryOfSlot(0);
    int replica = nodes.replicaOf(primary);
    long manual = nodes.manualFailover(replica);
    load.awaitMoreOps(1000);
    long slowestManual = load.slowestMillis();
    System.out.println("ClusterBridgeIT slowest during CLUSTER FAILOVER: " + load.slowestWhat());
    load.resetSlowest();
    int victim = nodes.primaryOfSlot(5000);
    int victimReplica = nodes.replicaOf(victim);
    long killed = nodes.killAndAwaitPromotion(victim, victimReplica);
    load.awaitMoreOps(1000);
    load.stop();
    System.out.printf("ClusterBridgeIT: CLUSTER FAILOVER %d ms, slowest %d ms; kill -9 %d ms,"
        + " slowest %d ms; failed INCR %d%n", manual, slowestManual, killed,
        load.slowestMillis(), load.failedIncrs());
    assertTrue(slowestManual <= manual + 500, slowestManual + " ms vs failover " + manual);
    assertTrue(load.slowestMillis() <= killed + 500, load.slowestMillis() + " ms vs " + killed);
    load.assertSafe(ClusterBridgeIT::get);
  }


  private static ClusterLoad.Client httpClient() {
    return new ClusterLoad.Client() {
      @Override
      public String get(String key) {
        return ClusterBridgeIT.get(key);
      }

      @Override
      public void set(String key, String value) {
        result(List.of("SET", key, value));
      }

      @Override
      public long incr(String key) {
        return Long.parseLong(String.valueOf(result(List.of("INCR", key))));
      }
    };
  }

  private static String get(String key) {
    Object value = result(List.of("GET", key));
    return value == null ? null : value.toString();
  }

  /** One Upstash-style command; anything but a 200 is thrown, as a client library would. */
  private static Object result(List<String> command) {
    BridgeHttp.Reply reply = http.post("/", GSON.toJson(command));
    if (reply.status() != 200) {
      throw new IllegalStateException(command.get(0) + ": " + reply);
    }
    JsonElement result = JsonParser.parseString(reply.body()).getAsJsonObject().get("result");
    return result.isJsonNull() ? null : result.getAsString();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
