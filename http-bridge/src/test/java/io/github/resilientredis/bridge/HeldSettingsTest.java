package io.github.resilientredis.bridge;

import static io.github.resilientredis.bridge.TestConfigs.config;
import static io.github.resilientredis.bridge.TestConfigs.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The held requests' settings, CORS origins and the bytes each shape writes. */
class HeldSettingsTest {

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void defaults() {
    BridgeConfig c = config(s -> { });
    assertEquals(2, c.pubsubConnections);
    assertEquals(Duration.ofMillis(600), c.streamKeepalive);
    assertEquals(Duration.ofSeconds(120), c.maxPoll);
    assertFalse(c.cors.enabled(), "CORS is off by default");
  }

  @Test
  void heldRequestsAreBoundedByThePlatformThreadsOnlyWhereThoseHoldThem() {
    BridgeConfig pooled = config(s -> {
      s.httpServer = "jdk";
      s.threads = "platform";
    });
    assertEquals(pooled.maxConcurrent / 2, pooled.maxSubscribers);
    if (Runtime.version().feature() >= 21) { // a thread per request: they give their turn back
      BridgeConfig virtual = config(s -> s.threads = "virtual");
      assertEquals(10_000, virtual.maxSubscribers);
      assertEquals(50_000, config(s -> {
        s.threads = "virtual";
        s.maxSubscribers = 50_000;
      }).maxSubscribers);
    }
  }

  @Test
  void badValuesNameTheSetting() {
    assertEquals("pubsub-connections must be between 1 and 64: 0",
        error(s -> s.pubsubConnections = 0));
    assertTrue(error(s -> s.streamKeepalive = Duration.ZERO).startsWith("stream-keepalive"));
    assertTrue(error(s -> s.maxPoll = Duration.ofSeconds(-1)).startsWith("max-poll"));
    for (String bad : List.of("app.example.com", "https://app.example.com/", "ftp://x.example",
        "https://app.example.com/path", "https://user@app.example.com")) {
      String message = error(s -> s.corsOrigins = List.of(bad));
      assertTrue(message.startsWith("cors-origins takes origins") && message.endsWith("'" + bad + "'"),
          message);
    }
  }

  @Test
  void corsOriginsAreNormalized() {
    BridgeConfig c = config(s -> s.corsOrigins = List.of(" HTTPS://App.Example.com:8443 ", "*"));
    assertTrue(c.cors.enabled());
  }

  @Test
  void sseEventsSplitLineBreaksIntoDataLines() {
    Message m = new Message(null, bytes("news"), bytes("a\r\nb\nc"), 0);
    assertEquals("data: message,news,a\ndata: b\ndata: c\n\n", text(m.sse()));
    Message p = new Message(bytes("n*"), bytes("news"), bytes("x"), 0);
    assertEquals("data: pmessage,n*,news,x\n\n", text(p.sse()));
    Topic topic = new Topic(bytes("news"), false);
    assertEquals("data: subscribe,news,2\n\n", text(HeldFormats.sseSubscribed(topic, 2)));
    assertEquals("event: missed\ndata: missed,news,1500\n\n",
        text(HeldFormats.sseMissed(topic, 1500)));
  }

  @Test
  void webdisAndPollShapesAreJson() {
    Message m = new Message(null, bytes("news"), bytes("say \"hi\""), 0);
    assertEquals("{\"SUBSCRIBE\":[\"message\",\"news\",\"say \\\"hi\\\"\"]}", text(m.webdis()));
    Message p = new Message(bytes("n*"), bytes("news"), bytes("x"), 0);
    assertEquals("{\"PSUBSCRIBE\":[\"pmessage\",\"n*\",\"news\",\"x\"]}", text(p.webdis()));
    assertEquals("{\"SUBSCRIBE\":[\"subscribe\",\"news\",1]}",
        text(HeldFormats.webdisSubscribed(new Topic(bytes("news"), false), 1)));
    assertEquals("{\"result\":{\"channel\":\"news\",\"message\":\"say \\\"hi\\\"\"}}",
        text(HeldFormats.pollMessage(m)));
    assertEquals("{\"result\":null}", text(HeldFormats.pollNothing(false)));
    assertEquals("{\"result\":null,\"missed\":true}", text(HeldFormats.pollNothing(true)));
  }

  @Test
  void anEncodingIsMadeOnceAndShared() {
    Message m = new Message(null, bytes("news"), bytes("x"), 0);
    assertTrue(m.sse() == m.sse());
    assertTrue(m.webdis() == m.webdis());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
