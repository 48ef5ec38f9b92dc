package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.RedisContainers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

/**
 * CORS for pages that call the bridge from a browser: preflights answered without the token,
 * listed origins echoed with credentials, {@code *} never with credentials, replies vary by
 * origin, and nothing at all when it is off (the default).
 */
class BridgeCorsIT {

  private static final String TOKEN = "cors-token";
  private static final String APP = "http://app.example:3000";
  private static GenericContainer<?> redis;
  private static RedisHttpBridge listed;
  private static RedisHttpBridge any;
  private static RedisHttpBridge off;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    redis = RedisContainers.redis();
    redis.start();
    String uri = RedisContainers.uri(redis);
    listed = RedisHttpBridge.builder().redis(uri).port(0).tokens(TOKEN)
        .corsOrigins(List.of(APP, "https://other.example")).start();
    any = RedisHttpBridge.builder().redis(uri).port(0).tokens(TOKEN).corsOrigins(List.of("*"))
        .start();
    off = RedisHttpBridge.builder().redis(uri).port(0).tokens(TOKEN).start();
  }

  @AfterAll
  static void stop() {
    for (RedisHttpBridge b : new RedisHttpBridge[] {listed, any, off}) {
      if (b != null) {
        b.close();
      }
    }
    redis.stop();
  }

  private static BridgeHttp.Reply preflight(RedisHttpBridge bridge, String origin, String method,
      String headers) {
    return new BridgeHttp(bridge.url(), null).send("OPTIONS", "/", null, "Origin", origin,
        "Access-Control-Request-Method", method, "Access-Control-Request-Headers", headers);
  }

  @Test
  void aListedOriginGetsItsPreflightAndItsOriginBack() {
    BridgeHttp.Reply reply = preflight(listed, APP, "POST", "authorization, content-type");
    reply.expect(204);
    assertEquals(APP, reply.header("Access-Control-Allow-Origin"));
    assertEquals("true", reply.header("Access-Control-Allow-Credentials"));
    assertTrue(reply.header("Access-Control-Allow-Methods").contains("POST"));
    assertTrue(reply.header("Access-Control-Allow-Headers").contains("Authorization"));
    assertTrue(reply.headers().allValues("Vary").contains("Origin"), reply.headers().toString());

    BridgeHttp.Reply get = new BridgeHttp(listed.url(), TOKEN).get("/SET/cors:k/v", "Origin", APP);
    get.expect(200);
    assertEquals(APP, get.header("Access-Control-Allow-Origin"));
    assertTrue(get.headers().allValues("Vary").contains("Origin"));
    // an error reply carries the headers too, so the page can read why
    BridgeHttp.Reply denied = new BridgeHttp(listed.url(), "wrong").get("/GET/cors:k", "Origin",
        APP);
    denied.expectError(401, "Unauthorized");
    assertEquals(APP, denied.header("Access-Control-Allow-Origin"));
  }

  @Test
  void anOriginNotListedIsRefusedItsPreflightAndGetsNoHeaders() {
    preflight(listed, "http://evil.example", "POST", "authorization").expectError(403,
        "not in cors-origins");
    preflight(listed, APP, "POST", "x-secret").expectError(403, "x-secret");
    BridgeHttp.Reply get = new BridgeHttp(listed.url(), TOKEN).get("/GET/cors:k", "Origin",
        "http://evil.example");
    assertNull(get.header("Access-Control-Allow-Origin"));
    assertTrue(get.headers().allValues("Vary").contains("Origin"));
  }

  @Test
  void aWildcardNeverComesWithCredentials() {
    BridgeHttp.Reply reply = preflight(any, "http://anyone.example", "GET", "authorization");
    reply.expect(204);
    assertEquals("*", reply.header("Access-Control-Allow-Origin"));
    assertNull(reply.header("Access-Control-Allow-Credentials"));
  }

  @Test
  void anEventSourceStreamCarriesTheHeaders() throws Exception {
    HeldHttp clients = new HeldHttp();
    try (HeldHttp.Held stream = clients.open(listed.url() + "/subscribe/cors?_token=" + TOKEN,
        "GET", "Origin", APP, "Accept", "text/event-stream")) {
      stream.await("data: subscribe,cors,1", Duration.ofSeconds(20));
      assertEquals(200, stream.armed.get(5, TimeUnit.SECONDS));
      assertEquals(APP, stream.info.headers().firstValue("Access-Control-Allow-Origin")
          .orElse(null));
    }
  }

  @Test
  void offByDefault() {
    BridgeHttp.Reply reply = preflight(off, APP, "POST", "authorization");
    assertTrue(reply.status() == 401 || reply.status() == 405, reply.toString());
    assertNull(reply.header("Access-Control-Allow-Origin"));
    BridgeHttp.Reply get = new BridgeHttp(off.url(), TOKEN).get("/GET/cors:k", "Origin", APP);
    assertNull(get.header("Access-Control-Allow-Origin"));
  }
}
