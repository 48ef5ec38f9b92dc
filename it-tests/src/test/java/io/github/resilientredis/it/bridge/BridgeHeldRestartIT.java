package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.Faults;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;

/**
 * Redis restarted under open held requests: the streams stay open, the hub subscribes again
 * within a second of Redis answering, streams hear that messages may have been missed, and a
 * waiting long-poll is answered {@code "missed": true}. Redis hung (paused) longer than the hub's
 * three ping intervals of silence: the same, once it answers again.
 */
class BridgeHeldRestartIT {

  private static final Duration LONG = Duration.ofSeconds(30);
  private static int port;
  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeHttp http;
  private static final HeldHttp clients = new HeldHttp();

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    port = FreePorts.pick();
    redis = RedisContainers.redisOnHostPort(port);
    redis.start();
    bridge = RedisHttpBridge.builder().redis("redis://localhost:" + port).port(0)
        .connectTimeout(Duration.ofMillis(500)).start();
    http = new BridgeHttp(bridge.url(), null);
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    redis.stop();
  }

  @Test
  void streamsSurviveARestartAndHearWhatTheyMayHaveMissed() throws Exception {
    try (HeldHttp.Held sse = clients.open(bridge.url() + "/subscribe/news/other", "POST");
        HeldHttp.Held webdis = clients.open(bridge.url() + "/SUBSCRIBE/news", "GET");
        HeldHttp.Held poll = clients.open(bridge.url() + "/poll/login?timeout=60", "GET")) {
      sse.await("data: subscribe,news,1\n", LONG);
      sse.await("data: subscribe,other,2\n", LONG);
      webdis.await("{\"SUBSCRIBE\":[\"subscribe\",\"news\",1]}", LONG);
      assertEquals(200, poll.armed.get(20, TimeUnit.SECONDS));

      Faults.stop(redis);
      // while Redis is away a new subscription is refused, and the open ones stay open
      http.post("/subscribe/late", "[]").expectError(503, "unreachable");
      assertFalse(sse.done.isDone() || webdis.done.isDone() || poll.done.isDone());
      Faults.start(redis);
      RedisProbe.awaitAnswers("localhost", port, Duration.ofSeconds(20));
      long answered = System.nanoTime();
      try (Jedis jedis = RedisProbe.connect("localhost", port)) {
        // (the long-poll on "login" is answered as soon as it is subscribed again, and leaves)
        Await.until(Duration.ofSeconds(10), "news and other subscribed again",
            () -> jedis.pubsubNumSub("news", "other").values().stream().allMatch(n -> n == 1));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
        assertTrue(millis < 1_000, "subscribed again " + millis + " ms after Redis answered");
      }
      sse.await("event: missed\ndata: missed,news,", LONG);
      sse.await("event: missed\ndata: missed,other,", LONG);
      webdis.await("{\"SUBSCRIBE\":[\"missed\",\"news\",", LONG);
      poll.done.get(20, TimeUnit.SECONDS);
      assertEquals("{\"result\":null,\"missed\":true}", poll.text().strip());

      assertEquals(1, http.post("/", "[\"PUBLISH\",\"news\",\"back\"]").expect(200).json()
          .getAsJsonObject().get("result").getAsLong());
      sse.await("data: message,news,back\n", LONG);
      webdis.await("{\"SUBSCRIBE\":[\"message\",\"news\",\"back\"]}", LONG);
    }
  }

  @Test
  void streamsOutlastAHungRedisAndSubscribeAgainAfterIt() throws Exception {
    try (HeldHttp.Held sse = clients.open(bridge.url() + "/subscribe/hung", "POST")) {
      sse.await("data: subscribe,hung,1\n", LONG);
      Faults.pause(redis);
      try {
        // the hub's reads wait without a deadline: its writer notices 3 s without a reply
        Thread.sleep(6_000);
        assertFalse(sse.done.isDone(), "the stream stays open while Redis hangs");
      } finally {
        Faults.unpause(redis);
      }
      // the hung connection was given up, and a new one subscribed "hung" again
      sse.await("event: missed\ndata: missed,hung,", LONG);
      assertEquals(1, http.post("/", "[\"PUBLISH\",\"hung\",\"awake\"]").expect(200).json()
          .getAsJsonObject().get("result").getAsLong());
      sse.await("data: message,hung,awake\n", LONG);
    }
  }
}
