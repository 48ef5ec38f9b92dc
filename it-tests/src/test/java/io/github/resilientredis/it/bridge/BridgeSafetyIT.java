package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.bridge.BridgeHttp.Reply;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;

/** ACL, limits, blocking commands and timeouts: what the bridge refuses, and how. */
class BridgeSafetyIT {

  private static final String WAITING =
      "bridge_pool_connections{pool=\"bridge\",state=\"active\"} 1\n";
  private static GenericContainer<?> redis;
  private static RedisHttpBridge defaults;
  private static RedisHttpBridge strict;
  private static RedisHttpBridge open;
  private static BridgeHttp http;
  private static BridgeHttp strictHttp;
  private static BridgeHttp openHttp;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    // DEBUG SLEEP makes a command slower than the command timeout without pausing the container.
    redis = RedisContainers.redis("--enable-debug-command", "yes");
    redis.start();
    String uri = RedisContainers.uri(redis);
    defaults = RedisHttpBridge.builder().redis(uri).port(0).start();
    strict = RedisHttpBridge.builder().redis(uri).port(0)
        .allow(List.of("GET", "SET", "BLPOP", "LPUSH", "PING", "MSET"))
        .deny(List.of("MSET"))
        .maxBody(1000).maxUrl(200).maxArgs(5).maxPipeline(3)
        .maxBlock(Duration.ofMillis(1500)).maxBlocking(1)
        .start();
    open = RedisHttpBridge.builder().redis(uri).port(0)
        .allowDangerous(List.of("FLUSHDB", "DEBUG", "CONFIG|GET"))
        .commandTimeout(Duration.ofSeconds(1)).maxBlock(Duration.ofMillis(500))
        .start();
    http = new BridgeHttp(defaults.url(), null);
    strictHttp = new BridgeHttp(strict.url(), null);
    openHttp = new BridgeHttp(open.url(), null);
  }

  @AfterAll
  static void stop() {
    for (RedisHttpBridge b : new RedisHttpBridge[] {defaults, strict, open}) {
      if (b != null) {
        b.close();
      }
    }
    redis.stop();
  }

  @Test
  void dangerousCommandsAre403AndNeverReachRedis() {
    http.get("/SET/s:keep/1").expect(200);
    http.get("/FLUSHALL").expectError(403, "dangerous");
    http.get("/flushdb").expectError(403, "--allow-dangerous FLUSHDB");
    http.post("/", "[\"CONFIG\",\"SET\",\"maxmemory\",\"1\"]").expectError(403, "dangerous");
    http.post("/pipeline", "[[\"SET\",\"s:p\",\"1\"],[\"FLUSHALL\"]]")
        .expectError(403, "FLUSHALL (command 1)");
    http.post("/multi-exec", "[[\"DEBUG\",\"SLEEP\",\"0\"]]").expectError(403, "DEBUG");
    http.get("/SCRIPT/KILL").expectError(403, "SCRIPT KILL");
    assertEquals("1", RedisProbe.get(redis, "s:keep"));
    assertEquals(null, RedisProbe.get(redis, "s:p"), "a refused pipeline runs nothing");
  }

  @Test
  void dangerousCommandsCanBeEnabledOneByOne() {
    openHttp.get("/5/SET/s:db5/x").expect(200);
    assertEquals(JsonParser.parseString("{\"FLUSHDB\":[true,\"OK\"]}"),
        openHttp.get("/5/FLUSHDB").expect(200).json());
    assertEquals(JsonParser.parseString("{\"GET\":null}"), openHttp.get("/5/GET/s:db5").json());
    openHttp.get("/CONFIG/GET/maxmemory").expect(200);
    openHttp.get("/CONFIG/SET/maxmemory/0").expectError(403, "dangerous");
    openHttp.get("/FLUSHALL").expectError(403, "dangerous");
  }

  @Test
  void connectionStateCommandsAre400() {
    for (String path : List.of("/SELECT/1", "/MULTI", "/EXEC", "/WATCH/k", "/QUIT", "/HELLO/3",
        "/AUTH/x", "/RESET", "/UNWATCH")) {
      http.get(path).expectError(400, "state of a shared Redis connection");
    }
    http.post("/", "[\"SUBSCRIBE\",\"ch\"]").expectError(400, "/subscribe/");
    http.post("/multi-exec", "[[\"MULTI\"]]").expectError(400, "state");
    http.get("/PING").expect(200);
  }

  @Test
  void allowAndDenyLists() {
    strictHttp.get("/SET/s:a/1").expect(200);
    strictHttp.get("/DEL/s:a").expectError(403, "allow list");
    strictHttp.get("/MSET/s:a/1").expectError(403, "deny list");
    strictHttp.post("/pipeline", "[[\"GET\",\"s:a\"],[\"INCR\",\"s:a\"]]")
        .expectError(403, "INCR (command 1)");
    assertEquals("1", RedisProbe.get(redis, "s:a"));
  }

  @Test
  void limitsAre413And414AndNothingRuns() {
    strictHttp.post("/", "[\"SET\",\"s:big\",\"" + "x".repeat(2000) + "\"]")
        .expectError(413, "max-body");
    strictHttp.get("/GET/" + "k".repeat(300)).expectError(414, "max-url");
    strictHttp.get("/GET/a/b/c/d/e").expectError(413, "max-args");
    strictHttp.post("/", "[\"SET\",\"a\",\"b\",\"c\",\"d\",\"e\"]").expectError(413, "max-args");
    strictHttp.post("/pipeline", "[[\"PING\"],[\"PING\"],[\"PING\"],[\"PING\"]]")
        .expectError(413, "max-pipeline");
    assertEquals(null, RedisProbe.get(redis, "s:big"));
    strictHttp.get("/PING").expect(200);
  }

  @Test
  void badInputIs4xxAndTheBridgeKeepsServing() {
    for (String body : List.of("[", "{}", "[1,2", "[\"GET\",{\"a\":1}]", "null", "[[]]",
        "[\"GET\"] trailing")) {
      Reply reply = http.post("/", body, "Content-Type", "application/json");
      assertTrue(reply.status() >= 400 && reply.status() < 500, body + " -> " + reply);
      reply.expectError(reply.status(), "ERR");
    }
    http.send("DELETE", "/GET/k", null).expectError(405, "DELETE");
    http.send("PATCH", "/pipeline", "[]".getBytes()).expectError(405, "PATCH");
    http.post("/", new byte[] {'[', '"', (byte) 0xff, '"', ']'}, "Content-Type",
        "application/json").expectError(400, "UTF-8");
    http.get("/PING").expect(200);
  }

  @Test
  void blockingCommandsAreCappedAndBounded() throws Exception {
    long start = System.nanoTime();
    CompletableFuture<Reply> waiting = CompletableFuture.supplyAsync(
        () -> strictHttp.get("/BLPOP/s:queue/0"));
    // Once it waits (holding a pooled connection), a second one is refused at once: max-blocking
    // is 1.
    Await.until(Duration.ofSeconds(5), "the first BLPOP to be waiting", () -> strictHttp
        .get("/metrics").body().contains(WAITING));
    long refusedAt = System.nanoTime();
    strictHttp.get("/BLPOP/s:other/0").expectError(429, "max-blocking");
    assertTrue(System.nanoTime() - refusedAt < Duration.ofMillis(500).toNanos(),
        "refused at once, not after waiting");
    Reply first = waiting.get(10, TimeUnit.SECONDS).expect(200);
    assertEquals("{\"BLPOP\":null}", first.body());
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis >= 1400 && millis < 4500, "capped at max-block (1.5 s): " + millis + " ms");

    CompletableFuture<Reply> woken = CompletableFuture.supplyAsync(
        () -> strictHttp.get("/BLPOP/s:queue2/0"));
    Await.until(Duration.ofSeconds(5), "the second BLPOP to be waiting", () -> strictHttp
        .get("/metrics").body().contains(WAITING));
    try (Jedis jedis = RedisProbe.connect(redis)) {
      jedis.lpush("s:queue2", "job");
    }
    assertEquals("{\"BLPOP\":[\"s:queue2\",\"job\"]}",
        woken.get(10, TimeUnit.SECONDS).expect(200).body());
  }

  @Test
  void aCommandSlowerThanTheCommandTimeoutIs504AndTheBridgeRecovers() {
    long start = System.nanoTime();
    openHttp.get("/DEBUG/SLEEP/2").expectError(504, "command-timeout");
    long millis = (System.nanoTime() - start) / 1_000_000;
    // At least the command timeout; at most that plus a PING the pool may send before lending a
    // connection idle for a while (bounded by the same timeout) and slack for a busy 2-core CI box.
    assertTrue(millis >= 900 && millis < 3500, "504 after command-timeout (1 s): " + millis);
    Await.until(Duration.ofSeconds(5), "PING answered again",
        () -> openHttp.get("/PING").status() == 200);
  }
}
