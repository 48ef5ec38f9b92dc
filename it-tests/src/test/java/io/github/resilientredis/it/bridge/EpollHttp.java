package io.github.resilientredis.it.bridge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import io.github.resilientredis.bridge.http.EpollHttpServer;
import io.github.resilientredis.bridge.http.EpollHttpServerProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link EpollHttpServerIT}'s fixture: one server per test, with the contexts most tests use, a
 * JDK client, and checks of replies read by {@link RawConn}.
 */
abstract class EpollHttp {

  static final Duration LONG = Duration.ofSeconds(5);
  static final Duration SHORT = Duration.ofSeconds(1);
  /** RFC 9110 5.6.7's IMF-fixdate, which a sender must use. */
  static final String IMF_FIXDATE =
      "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT";
  static final String JSON_ERROR = "\\{\"error\": ?\".+\"}";
  /** /big's body: 1 MB of numbered lines. */
  static final String BIG = big();

  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(LONG).build();
  EpollHttpServer server;
  int port;

  @BeforeAll
  static void serverRunsHere() {
    String why = EpollHttpServerProvider.unavailable();
    if (why != null) {
      fail("the epoll HTTP server cannot run in this JVM: " + why);
    }
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** A server with {@link #server(Duration, Duration)}'s contexts, not started yet. */
  EpollHttpServer newServer(Duration keepAliveIdle, Duration requestRead) throws IOException {
    server = server(keepAliveIdle, requestRead);
    return server;
  }

  int start() {
    server.start();
    port = server.getAddress().getPort();
    return port;
  }

  /** A server with the common contexts only, started: its port. */
  int serve() throws IOException {
    newServer(LONG, LONG);
    return start();
  }

  /** A GET through the JDK's client. */
  HttpResponse<String> send(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + path)).timeout(LONG);
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** In a handler: waits for the test's word. */
  static void await(CountDownLatch latch) throws IOException {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS), "the test never gave its word");
    } catch (InterruptedException e) {
      throw new IOException(e);
    }
  }

  /**
   * A server on a free loopback port, not started, with: /hello ("hello"), /path (the path),
   * /ignore ("no", the body unread), /echo (the body, and whether a trailer became a header),
   * /stream ("abc", flushed, then "de", chunked), /status/N (status N, given a length of 0),
   * /throws, /silent (no reply), /big ({@link #BIG} in writes of many sizes: chunked, or of
   * a fixed length when there is a query).
   */
  static EpollHttpServer server(Duration keepAliveIdle, Duration requestRead) throws IOException {
    EpollHttpServer made = (EpollHttpServer) new EpollHttpServerProvider().createHttpServer(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    made.setTimeouts(keepAliveIdle, requestRead);
    made.createContext("/hello", ex -> reply(ex, 200, "hello"));
    made.createContext("/path", ex -> reply(ex, 200, ex.getRequestURI().getPath()));
    made.createContext("/ignore", ex -> reply(ex, 200, "no"));
    made.createContext("/echo", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().add("X-Trailer-Seen",
          "" + ex.getRequestHeaders().containsKey("X-Trailer"));
      ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    made.createContext("/stream", ex -> {
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      out.write("abc".getBytes(UTF_8));
      out.flush();
      out.write("de".getBytes(UTF_8));
      out.close();
    });
    made.createContext("/status/", ex -> {
      ex.sendResponseHeaders(Integer.parseInt(ex.getRequestURI().getPath().substring(8)), 0);
      ex.close();
    });
    made.createContext("/throws", ex -> {
      throw new IllegalStateException("boom");
    });
    made.createContext("/silent", ex -> { });
    made.createContext("/big", ex -> {
      byte[] big = BIG.getBytes(UTF_8);
      ex.sendResponseHeaders(200, ex.getRequestURI().getQuery() == null ? 0 : big.length);
      int[] sizes = {1, 10, 4000, 5000, 100, 70_000, 4094};
      for (int at = 0, i = 0; at < big.length; at += sizes[i++ % sizes.length]) {
        ex.getResponseBody().write(big, at, Math.min(sizes[i % sizes.length], big.length - at));
      }
      ex.close();
    });
    return made;
  }

  private static String big() {
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      big.append("%09d\n".formatted(i));
    }
    return big.toString();
  }

  /** A reply of fixed length ({@code -1}: none) with {@code body}. */
  static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
  }

  static void assertOk(RawConn.Reply reply, String body) {
    assertEquals(200, reply.status(), reply::toString);
    assertEquals(body, reply.text(), reply::toString);
  }

  /**
   * The next reply is the server's own error: {@code status}, JSON {"error": ...}, Connection:
   * close, and the connection closes after it. Its body.
   */
  static String assertError(RawConn conn, int status) throws IOException {
    RawConn.Reply reply = conn.reply();
    assertEquals(status, reply.status(), reply::toString);
    assertEquals("application/json; charset=utf-8", reply.header("Content-Type"));
    assertTrue(reply.text().matches(JSON_ERROR), reply::toString);
    assertEquals("close", reply.header("Connection"), reply::toString);
    conn.awaitClose();
    return reply.text();
  }
}
