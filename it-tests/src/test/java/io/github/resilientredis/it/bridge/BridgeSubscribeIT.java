package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;

/**
 * Upstash's Server-Sent Events subscriptions: on the hub's shared Redis connections, never the
 * pool's, and a bounded number of them.
 */
class BridgeSubscribeIT {

  private static final String TOKEN = "sse-token";
  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeHttp http;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    redis = RedisContainers.redis();
    redis.start();
    // One pooled connection and two subscribers: subscriptions must not take the pool's one.
    bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0).tokens(TOKEN)
        .poolSize(1).maxSubscribers(2).start();
    http = new BridgeHttp(bridge.url(), TOKEN);
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    redis.stop();
  }

  private static EventStream subscribe(String path) throws Exception {
    return new EventStream(bridge.url() + path, TOKEN);
  }

  /**
   * Closes the client side and waits until the bridge has let the subscription go: it notices when
   * it writes to the stream, so messages are published until then.
   */
  private static void closeAndAwaitRelease(EventStream stream, String channel, int stillOpen) {
    stream.close();
    Await.until(Duration.ofSeconds(20), "the subscription on " + channel + " to be released",
        () -> {
          publish(channel, "anyone?");
          return http.get("/metrics").body().contains("bridge_subscribers " + stillOpen + "\n");
        });
  }

  private static long publish(String channel, String message) {
    return http.post("/", "[\"PUBLISH\",\"" + channel + "\",\"" + message + "\"]").expect(200)
        .json().getAsJsonObject().get("result").getAsLong();
  }

  @Test
  void messagesArriveAsServerSentEvents() throws Exception {
    try (EventStream stream = subscribe("/subscribe/news")) {
      assertEquals(200, stream.response.statusCode());
      assertTrue(stream.response.headers().firstValue("Content-Type").orElse("")
          .startsWith("text/event-stream"));
      assertEquals("data: subscribe,news,1", stream.next());
      assertEquals(1, publish("news", "hello"));
      assertEquals("data: message,news,hello", stream.next());
      assertEquals(1, publish("news", "{\\\"a\\\":1}"));
      assertEquals("data: message,news,{\"a\":1}", stream.next());
      // the only pooled connection is free: commands run while the stream is open
      http.get("/SET/sub:k/v").expect(200);
      assertEquals("v", RedisProbe.get(redis, "sub:k"));
      closeAndAwaitRelease(stream, "news", 0);
    }
  }

  @Test
  void patternsArriveAsPmessage() throws Exception {
    try (EventStream stream = subscribe("/psubscribe/user:*")) {
      assertEquals("data: psubscribe,user:*,1", stream.next());
      try (Jedis jedis = RedisProbe.connect(redis)) {
        jedis.publish("user:42", "line1\nline2");
      }
      assertEquals("data: pmessage,user:*,user:42,line1", stream.next());
      assertEquals("data: line2", stream.next(), "a line break starts another data line");
      closeAndAwaitRelease(stream, "user:1", 0);
    }
  }

  @Test
  void subscribersAreBoundedAndTheirSlotsComeBack() throws Exception {
    try (EventStream one = subscribe("/subscribe/a"); EventStream two = subscribe("/subscribe/b")) {
      assertEquals("data: subscribe,a,1", one.next());
      assertEquals("data: subscribe,b,1", two.next());
      http.post("/subscribe/c", "[]").expectError(429, "max-subscribers");
      closeAndAwaitRelease(two, "b", 1);
      try (EventStream again = subscribe("/subscribe/c")) {
        assertEquals("data: subscribe,c,1", again.next());
        closeAndAwaitRelease(again, "c", 1);
      }
      closeAndAwaitRelease(one, "a", 0);
    }
  }

  @Test
  void aTokenIsNeededAndTheAclApplies() {
    new BridgeHttp(bridge.url(), null).post("/subscribe/x", "[]").expectError(401, "Unauthorized");
    http.post("/subscribe/", "[]").expectError(400, "channel");
  }
}
