package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.bridge.BridgeHttp.Reply;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

/**
 * Redis goes away and comes back under a running bridge: 503 at once while it is down, 504 within
 * the command timeout while it hangs, and serving again by itself afterwards (Webdis kept
 * answering 503 after a Redis restart: webdis #47, #110).
 */
class BridgeOutageIT {

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeHttp http;
  private static int port;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    port = FreePorts.pick();
    redis = RedisContainers.redisOnHostPort(port);
    redis.start();
    bridge = RedisHttpBridge.builder().redis("redis://localhost:" + port).port(0)
        .commandTimeout(COMMAND_TIMEOUT).maxBlock(Duration.ofMillis(500))
        .borrowTimeout(Duration.ofSeconds(1)).start();
    http = new BridgeHttp(bridge.url(), null);
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    redis.stop();
  }

  private static long millis(Runnable request) {
    long start = System.nanoTime();
    request.run();
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void redisStoppedIs503AtOnceAndStartedServesAgainWithoutRestart() {
    http.get("/SET/o:k/before").expect(200);
    http.get("/ready").expect(200);
    Faults.stop(redis);
    try {
      for (int i = 0; i < 10; i++) {
        long took = millis(() -> {
          Reply reply = http.get("/GET/o:k");
          assertEquals(503, reply.status(), reply.body());
          reply.expectError(503, "Redis");
          assertEquals("1", reply.header("Retry-After"));
        });
        assertTrue(took < 1500, "503 must be quick, took " + took + " ms");
      }
      http.post("/", "[\"GET\",\"o:k\"]").expectError(503, "Redis");
      http.post("/pipeline", "[[\"GET\",\"o:k\"]]").expectError(503, "Redis");
      http.get("/ready").expect(503);
      http.get("/health").expect(200);
    } finally {
      Faults.start(redis);
    }
    RedisProbe.awaitAnswers("localhost", port, Duration.ofSeconds(30));
    // Redis runs without persistence: the restarted server is empty, and the bridge serves it.
    Reply back = Await.result(Duration.ofSeconds(15), "the bridge serving again", () -> {
      Reply r = http.get("/SET/o:k/after");
      return r.status() == 200 ? r : null;
    });
    assertEquals("{\"SET\":[true,\"OK\"]}", back.body());
    assertEquals("{\"GET\":\"after\"}", http.get("/GET/o:k").expect(200).body());
    http.get("/ready").expect(200);
    String metrics = http.get("/metrics").expect(200).body();
    assertTrue(metrics.contains("bridge_redis_errors_total{kind=\"unreachable\"}")
        || metrics.contains("bridge_redis_errors_total{kind=\"connection_lost\"}"), metrics);
    assertTrue(metrics.contains("bridge_requests_total{api=\"webdis\",status=\"503\"}"), metrics);
  }

  @Test
  void redisHungIsAnsweredWithinTheCommandTimeoutAndServesAfter() {
    http.get("/SET/o:h/v").expect(200);
    Faults.pause(redis);
    try {
      for (int i = 0; i < 3; i++) {
        long took = millis(() -> {
          Reply reply = http.get("/GET/o:h");
          assertTrue(reply.status() == 504 || reply.status() == 503, reply.toString());
          reply.expectError(reply.status(), "Redis");
        });
        assertTrue(took < COMMAND_TIMEOUT.toMillis() + 2500,
            "a hung Redis must not hang the request, took " + took + " ms");
      }
    } finally {
      Faults.unpause(redis);
    }
    Reply back = Await.result(Duration.ofSeconds(15), "the bridge serving again", () -> {
      Reply r = http.get("/GET/o:h");
      return r.status() == 200 ? r : null;
    });
    assertEquals("{\"GET\":\"v\"}", back.body());
  }
}
