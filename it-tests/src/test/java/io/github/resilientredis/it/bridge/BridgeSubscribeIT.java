package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

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

  /** An open event stream; its lines arrive in a queue. */
  private static final class Stream implements AutoCloseable {
    final HttpResponse<java.util.stream.Stream<String>> response;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Thread reader;

    Stream(String path) throws Exception {
      HttpRequest request = HttpRequest.newBuilder(URI.create(bridge.url() + path))
          .header("Authorization", "Bearer " + TOKEN)
          .header("Accept", "text/event-stream")
          .POST(HttpRequest.BodyPublishers.ofString("[]"))
          .build();
      response = CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
          .get(10, TimeUnit.SECONDS);
      reader = new Thread(() -> {
        try (java.util.stream.Stream<String> body = response.body()) {
          body.forEach(lines::add);
        } catch (RuntimeException e) {
          lines.add("closed: " + e);
        }
        lines.add("<end>");
      }, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** The next data line, skipping blank lines and keepalive comments. */
    String next() throws InterruptedException {
      while (true) {
        String line = lines.poll(10, TimeUnit.SECONDS);
        assertNotNull(line, "no event within 10 s");
        if (!line.isEmpty() && !line.startsWith(":")) {
          return line;
        }
      }
    }

    @Override
    public void close() {
      response.body().close();
    }
  }

  /**
   * Closes the client side and waits until the bridge has let the subscription go: it notices when
   * it writes to the stream, so messages are published until then.
   */
  private static void closeAndAwaitRelease(Stream stream, String channel, int stillOpen) {
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
    try (Stream stream = new Stream("/subscribe/news")) {
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
    try (Stream stream = new Stream("/psubscribe/user:*")) {
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
    try (Stream one = new Stream("/subscribe/a"); Stream two = new Stream("/subscribe/b")) {
      assertEquals("data: subscribe,a,1", one.next());
      assertEquals("data: subscribe,b,1", two.next());
      http.post("/subscribe/c", "[]").expectError(429, "max-subscribers");
      closeAndAwaitRelease(two, "b", 1);
      try (Stream again = new Stream("/subscribe/c")) {
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
