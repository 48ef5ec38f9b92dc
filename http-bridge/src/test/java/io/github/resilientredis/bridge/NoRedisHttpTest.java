package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP side without any Redis: a port nothing listens on. Everything that is refused before a
 * command is sent, and the 503 of an unreachable Redis, is tested here; the rest is in it-tests.
 */
class NoRedisHttpTest {

  private static RedisHttpBridge bridge;
  private static RedisHttpBridge open;
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws IOException {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    bridge = RedisHttpBridge.builder()
        .redis("redis://127.0.0.1:" + deadPort)
        .port(0)
        .tokens("s3cret", "other")
        .maxBody(1024)
        .maxUrl(256)
        .start();
    open = RedisHttpBridge.builder().redis("redis://127.0.0.1:" + deadPort).port(0).start();
  }

  @AfterAll
  static void stop() {
    bridge.close();
    open.close();
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
  }

  private static HttpRequest.Builder at(String path) {
    return HttpRequest.newBuilder(URI.create(bridge.url() + path))
        .header("Authorization", "Bearer s3cret");
  }

  private static void assertError(HttpResponse<String> response, int status, String text) {
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("")
        .startsWith("application/json"), response.headers().toString());
    assertTrue(response.body().startsWith("{\"error\":\""), response.body());
    assertTrue(response.body().contains(text), response.body());
  }

  @Test
  void healthIsAliveWithoutRedisAndWithoutToken() throws Exception {
    HttpResponse<String> health = send(HttpRequest.newBuilder(URI.create(bridge.url()
        + "/health")));
    assertEquals(200, health.statusCode());
    assertEquals("{\"status\":\"ok\"}", health.body());
  }

  @Test
  void readinessAndCommandsAre503AtOnceWhenRedisIsUnreachable() throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create(bridge.url()
        + "/ready")));
    assertEquals(503, ready.statusCode());
    assertError(send(at("/GET/k")), 503, "unreachable");
    assertError(send(at("/").POST(BodyPublishers.ofString("[\"GET\",\"k\"]"))), 503,
        "unreachable");
    assertError(send(at("/pipeline").POST(BodyPublishers.ofString("[[\"GET\",\"k\"]]"))), 503,
        "unreachable");
    assertTrue(send(at("/GET/k")).headers().firstValue("Retry-After").isPresent());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(3).toNanos(),
        "503 must come at once, not after a timeout");
  }

  @Test
  void wrongOrMissingTokenIs401() throws Exception {
    assertError(send(HttpRequest.newBuilder(URI.create(bridge.url() + "/GET/k"))), 401,
        "Unauthorized");
    HttpResponse<String> wrong = send(HttpRequest.newBuilder(URI.create(bridge.url() + "/GET/k"))
        .header("Authorization", "Bearer nope"));
    assertError(wrong, 401, "wrong token");
    assertEquals("Bearer", wrong.headers().firstValue("WWW-Authenticate").orElse(""));
    assertError(send(HttpRequest.newBuilder(URI.create(bridge.url() + "/pipeline"))
        .POST(BodyPublishers.ofString("[[\"PING\"]]"))), 401, "Unauthorized");
    assertError(send(HttpRequest.newBuilder(URI.create(bridge.url() + "/metrics"))), 401,
        "Unauthorized");
    // a right token in the query gets past auth (to the unreachable Redis)
    assertError(send(HttpRequest.newBuilder(URI.create(bridge.url() + "/GET/k?_token=other"))),
        503, "unreachable");
  }

  @Test
  void otherMethodsAre405WithAllow() throws Exception {
    HttpResponse<String> delete = send(at("/GET/k").DELETE());
    assertError(delete, 405, "DELETE");
    assertEquals("GET, POST, PUT", delete.headers().firstValue("Allow").orElse(""));
    HttpResponse<String> getPipeline = send(at("/pipeline").GET());
    assertError(getPipeline, 405, "GET");
    assertEquals("POST", getPipeline.headers().firstValue("Allow").orElse(""));
    assertError(send(at("/health").POST(BodyPublishers.noBody())), 405, "POST");
  }

  @Test
  void limitsAre413And414() throws Exception {
    assertError(send(at("/").POST(BodyPublishers.ofString("[\"SET\",\"k\",\"" + "x".repeat(2000)
        + "\"]"))), 413, "max-body");
    assertError(send(at("/GET/" + "k".repeat(300))), 414, "max-url");
  }

  @Test
  void badRequestsAre400AndTheServerKeepsServing() throws Exception {
    for (String body : List.of("[", "[]", "[null]", "{\"a\":1}", "[[\"GET\"]]")) {
      assertError(send(at("/").header("Content-Type", "application/json")
          .POST(BodyPublishers.ofString(body))), 400, "ERR");
    }
    assertError(send(at("/pipeline").POST(BodyPublishers.ofString("[\"GET\",\"k\"]"))), 400,
        "(command 0)");
    assertError(send(at("/")), 400, "no command");
    assertError(send(at("/MULTI")), 400, "state of a shared Redis connection");
    assertError(send(at("/SELECT/2")), 400, "state of a shared Redis connection");
    assertError(send(at("/SUBSCRIBE")), 400, "ERR");
    assertError(send(at("/pipeline").POST(BodyPublishers.ofString(
        "[[\"GET\",\"k\"],[\"WATCH\",\"k\"]]"))), 400, "WATCH (command 1)");
    assertEquals(200, send(at("/health")).statusCode());
  }

  @Test
  void dangerousCommandsAre403BeforeRedisIsAsked() throws Exception {
    assertError(send(at("/FLUSHALL")), 403, "dangerous");
    assertError(send(at("/").POST(BodyPublishers.ofString("[\"config\",\"get\",\"*\"]"))), 403,
        "dangerous");
    assertError(send(at("/multi-exec").POST(BodyPublishers.ofString(
        "[[\"SET\",\"k\",\"v\"],[\"FLUSHDB\"]]"))), 403, "FLUSHDB (command 1)");
  }

  @Test
  void metricsCountRequestsByApiAndStatus() throws Exception {
    send(at("/FLUSHALL"));
    HttpResponse<String> metrics = send(at("/metrics"));
    assertEquals(200, metrics.statusCode());
    String text = metrics.body();
    assertTrue(text.contains("bridge_requests_total{api=\"webdis\",status=\"403\"}"), text);
    assertTrue(text.contains("# TYPE bridge_request_duration_seconds histogram"), text);
    assertTrue(text.contains("bridge_request_duration_seconds_bucket{api=\"webdis\",le=\"+Inf\"}"),
        text);
    assertTrue(text.contains("bridge_pool_connections{pool=\"bridge\",state=\"idle\"}"), text);
    assertTrue(text.contains("bridge_redis_reconnects_total{pool=\"bridge\"}"), text);
  }

  @Test
  void withoutTokensNoAuthIsAsked() throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(open.url() + "/GET/k")));
    assertError(r, 503, "unreachable");
  }
}
