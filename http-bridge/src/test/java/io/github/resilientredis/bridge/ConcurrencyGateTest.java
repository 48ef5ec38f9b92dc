package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.github.resilientredis.bridge.HttpServerChoice.Threads;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code max-concurrent} and {@code max-queued} over real HTTP, with a thread per request: a
 * request beyond both gets 503 and a JSON error, and a request that gives its turn back early
 * (a held request) lets the next one in.
 */
class ConcurrencyGateTest {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final Metrics metrics = new Metrics();
  private HttpServer server;
  private ExecutorService threads;

  @BeforeEach
  void start() throws IOException {
    HttpHandler handler = exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/quick")) {
          if (path.equals("/hold-released")) {
            ConcurrencyGate.releaseCurrent();
          }
          held.countDown();
          release.await(20, TimeUnit.SECONDS);
        }
        byte[] ok = "ok".getBytes(StandardCharsets.US_ASCII);
        exchange.sendResponseHeaders(200, ok.length);
        exchange.getResponseBody().write(ok);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    server = HttpServerChoice.resolve("jdk", Threads.PLATFORM, 17, false).provider
        .createHttpServer(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/", new ConcurrencyGate(handler, 1, 0, metrics));
    threads = Executors.newCachedThreadPool();
    server.setExecutor(threads);
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
    threads.shutdownNow();
  }

  @Test
  void aRequestBeyondMaxConcurrentAndMaxQueuedGets503WithAJsonError() throws Exception {
    CompletableFuture<HttpResponse<String>> first = send("/hold");
    assertTrue(held.await(10, TimeUnit.SECONDS));
    HttpResponse<String> refused = send("/quick").get(10, TimeUnit.SECONDS);
    assertEquals(503, refused.statusCode(), refused::body);
    assertTrue(refused.headers().firstValue("Content-Type").orElse("")
        .startsWith("application/json"));
    assertTrue(refused.body().contains("max-concurrent and max-queued"), refused.body());
    release.countDown();
    assertEquals(200, first.get(10, TimeUnit.SECONDS).statusCode());
    assertEquals(200, send("/quick").get(10, TimeUnit.SECONDS).statusCode());
    assertTrue(metrics.render(java.util.List.of(), 0, java.util.List.of())
        .contains("bridge_rejected_connections_total 1"));
  }

  @Test
  void aRequestThatGivesItsTurnBackLetsTheNextOneIn() throws Exception {
    CompletableFuture<HttpResponse<String>> first = send("/hold-released");
    assertTrue(held.await(10, TimeUnit.SECONDS));
    // The held request still runs, but its turn is free.
    assertEquals(200, send("/quick").get(10, TimeUnit.SECONDS).statusCode());
    release.countDown();
    assertEquals(200, first.get(10, TimeUnit.SECONDS).statusCode());
  }

  private CompletableFuture<HttpResponse<String>> send(String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + server.getAddress().getPort() + path)).timeout(Duration.ofSeconds(20)).build();
    return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }
}
