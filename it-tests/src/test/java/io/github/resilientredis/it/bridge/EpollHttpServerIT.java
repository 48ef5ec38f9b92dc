package io.github.resilientredis.it.bridge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.github.resilientredis.bridge.http.HeldConnection;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bridge's own {@code com.sun.net.httpserver} implementation ({@code EpollHttpServer}), on its
 * own, without Redis: framing byte by byte over raw sockets ({@link RawConn}), a few requests
 * through the JDK's client, timeouts set to 1 s where a timeout is what is tested.
 */
class EpollHttpServerIT extends EpollHttp {

  private final AtomicInteger handled = new AtomicInteger();

  @Test
  void keepAliveServesRequestsInTurnOnOneConnection() throws Exception {
    try (RawConn conn = new RawConn(serve())) {
      for (int i = 0; i < 2; i++) {
        RawConn.Reply reply = conn.send(get("/hello")).reply();
        assertEquals("HTTP/1.1 200 OK", reply.statusLine());
        assertOk(reply, "hello");
        assertEquals("5", reply.header("Content-Length"));
        assertTrue(reply.header("Date").matches(IMF_FIXDATE), reply::toString);
        assertNull(reply.header("Connection"), reply::toString);
      }
      RawConn.Reply last = conn.send("GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n").reply();
      assertOk(last, "hello");
      assertEquals("close", last.header("Connection"));
      conn.awaitClose();
    }
    server.createContext("/bye", ex -> {
      ex.getResponseHeaders().set("Connection", "close"); // the handler's wish is kept
      reply(ex, 200, "bye");
    });
    try (RawConn conn = new RawConn(port)) {
      RawConn.Reply bye = conn.send(get("/bye")).reply();
      assertOk(bye, "bye");
      assertEquals(List.of("Connection: close"), bye.headerLines().stream()
          .filter(h -> h.startsWith("Connection")).toList());
      conn.awaitClose();
    }
  }

  @Test
  void http10KeepsTheConnectionOnlyWhenAsked() throws Exception {
    serve();
    try (RawConn conn = new RawConn(port)) {
      RawConn.Reply reply = conn.send("GET /hello HTTP/1.0\r\n\r\n").reply();
      assertEquals("HTTP/1.0 200 OK", reply.statusLine());
      assertOk(reply, "hello");
      assertEquals("close", reply.header("Connection"));
      conn.awaitClose();
    }
    try (RawConn conn = new RawConn(port)) {
      for (int i = 0; i < 2; i++) {
        RawConn.Reply reply =
            conn.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").reply();
        assertEquals("HTTP/1.0 200 OK", reply.statusLine());
        assertOk(reply, "hello");
        assertEquals("keep-alive", reply.header("Connection"));
      }
    }
    try (RawConn conn = new RawConn(port)) { // no chunks in 1.0: the body ends at the close
      RawConn.Reply reply =
          conn.send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").reply();
      assertOk(reply, "abcde");
      assertEquals("close", reply.header("Connection"));
      assertNull(reply.header("Transfer-Encoding"));
      assertNull(reply.header("Content-Length"));
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawConn conn = new RawConn(serve())) {
      conn.send(get("/path/1") + "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
          + get("/path/2") + "HEAD /path/3 HTTP/1.1\r\n\r\n" + get("/path/4"));
      assertOk(conn.reply(), "/path/1");
      assertOk(conn.reply(), "abc");
      assertOk(conn.reply(), "/path/2");
      assertEquals("7", conn.reply(true).header("Content-Length"));
      assertOk(conn.reply(), "/path/4");
    }
  }

  @Test
  void requestBodiesByLengthAndByChunks() throws Exception {
    try (RawConn conn = new RawConn(serve())) {
      assertOk(conn.send("POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello").reply(),
          "hello");
      RawConn.Reply chunked = conn.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
          + "\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n").reply();
      assertOk(chunked, "hello world");
      assertEquals("false", chunked.header("X-Trailer-Seen"));
      RawConn.Reply empty = conn.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
          + "\r\n0\r\n\r\n").reply();
      assertOk(empty, "");
      assertEquals("0", empty.header("Content-Length"));
      for (String piece : new String[] {"POST /echo HTTP/1.1\r\nTransfer-Encoding: chun",
          "ked\r\n\r\n", "3\r", "\nab", "c\r\n1", "0\r\n0123456789abcdef\r\n0\r", "\n\r\n"}) {
        conn.send(piece); // a head and chunks in pieces, each read on its own
        Thread.sleep(20);
      }
      assertOk(conn.reply(), "abc0123456789abcdef");
      assertOk(conn.send(get("/hello")).reply(), "hello");
    }
  }

  @Test
  void expectContinueIsAnsweredAtTheFirstBodyRead() throws Exception {
    newServer(LONG, LONG);
    CountDownLatch read = new CountDownLatch(1);
    server.createContext("/late", ex -> {
      await(read);
      reply(ex, 200, new String(ex.getRequestBody().readAllBytes(), UTF_8));
    });
    try (RawConn conn = new RawConn(start())) {
      conn.send("POST /late HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      assertTrue(conn.silentFor(300), "a 100 Continue before the handler read the body");
      read.countDown();
      String go = "HTTP/1.1 100 Continue\r\n\r\n";
      assertEquals(go, conn.readExactly(go.length()));
      assertOk(conn.send("hello").reply(), "hello");
      assertOk(conn.send(get("/hello")).reply(), "hello");
    }
  }

  @Test
  void expectContinueIsNeverAnsweredWhenTheBodyIsNotRead() throws Exception {
    try (RawConn conn = new RawConn(serve())) {
      conn.send("POST /ignore HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      RawConn.Reply reply = conn.reply();
      assertEquals("HTTP/1.1 200 OK", reply.statusLine());
      assertOk(reply, "no");
      conn.awaitClose(); // the body was never sent, so it cannot be skipped
    }
  }

  @Test
  void replyFramingFollowsSendResponseHeaders() throws Exception {
    newServer(LONG, LONG).createContext("/none", ex -> {
      ex.sendResponseHeaders(202, -1);
      ex.close();
    });
    try (RawConn conn = new RawConn(start())) {
      RawConn.Reply fixed = conn.send(get("/hello")).reply();
      assertOk(fixed, "hello");
      assertEquals("5", fixed.header("Content-Length"));
      assertNull(fixed.header("Transfer-Encoding"));
      RawConn.Reply chunked = conn.send(get("/stream")).reply();
      assertEquals("chunked", chunked.header("Transfer-Encoding"));
      assertNull(chunked.header("Content-Length"));
      assertEquals("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", chunked.wireText());
      RawConn.Reply none = conn.send(get("/none")).reply();
      assertEquals(202, none.status());
      assertEquals("0", none.header("Content-Length"));
      for (int status : new int[] {204, 304, 103}) {
        RawConn.Reply reply = conn.send(get("/status/" + status)).reply();
        assertEquals(status, reply.status(), reply::toString);
        assertNull(reply.header("Content-Length"), reply::toString);
        assertNull(reply.header("Transfer-Encoding"), reply::toString);
      }
      assertOk(conn.send(get("/hello")).reply(), "hello"); // nothing stray before it
    }
  }

  @Test
  void headRepliesDropTheBodyTheHandlerWrites() throws Exception {
    try (RawConn conn = new RawConn(serve())) {
      RawConn.Reply head = conn.send("HEAD /path/xyz HTTP/1.1\r\n\r\n").reply(true);
      assertEquals(200, head.status());
      assertEquals("9", head.header("Content-Length"));
      assertEquals(200, conn.send("HEAD /stream HTTP/1.1\r\n\r\n").reply(true).status());
      assertOk(conn.send(get("/hello")).reply(), "hello"); // no body bytes went before it
    }
  }

  @Test
  void writingPastTheDeclaredLengthThrowsAndShortClosesTheConnection() throws Exception {
    newServer(LONG, LONG);
    CompletableFuture<Throwable> over = new CompletableFuture<>();
    server.createContext("/over", ex -> {
      ex.sendResponseHeaders(200, 3);
      OutputStream out = ex.getResponseBody();
      try {
        out.write("abcd".getBytes(UTF_8));
        over.complete(null);
      } catch (IOException e) {
        over.complete(e);
      }
      out.write("abc".getBytes(UTF_8));
      out.close();
    });
    server.createContext("/short", ex -> {
      ex.sendResponseHeaders(200, 10);
      ex.getResponseBody().write("abc".getBytes(UTF_8));
      ex.close();
    });
    try (RawConn conn = new RawConn(start())) {
      assertOk(conn.send(get("/over")).reply(), "abc");
      assertInstanceOf(IOException.class, over.get(5, TimeUnit.SECONDS));
      RawConn.Reply cut = conn.send(get("/short")).reply(); // its body ends at the close
      assertEquals("10", cut.header("Content-Length"));
      assertEquals("abc", cut.text(), "3 of the 10 bytes, then the close");
    }
  }

  @Test
  void handlerFailuresGet500AndTheConnectionCloses() throws Exception {
    try (RawConn conn = new RawConn(serve())) {
      assertError(conn.send(get("/throws")), 500);
    }
    try (RawConn conn = new RawConn(port)) {
      assertError(conn.send(get("/silent")), 500);
    }
  }

  @Test
  void anUnreadBodyIsDrainedUpTo64KiB() throws Exception {
    serve();
    try (RawConn conn = new RawConn(port)) {
      conn.send("POST /ignore HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(1000));
      assertOk(conn.reply(), "no");
      assertOk(conn.send(get("/hello")).reply(), "hello");
    }
    try (RawConn conn = new RawConn(port)) {
      conn.sendQuietly(("POST /ignore HTTP/1.1\r\nContent-Length: 200000\r\n\r\n"
          + "x".repeat(200_000)).getBytes(UTF_8));
      assertOk(conn.reply(), "no");
      conn.awaitClose();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = { // why | the request
      "not an HTTP request line|GARBAGE\r\n\r\n",
      "not a token|GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
      "folded|GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n",
      "control byte|GET / HTTP/1.1\r\nX-A: a\u0001b\r\n\r\n",
      "two different|POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "both|POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "chunked' over|POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      "1.0 only|GET / HTTP/2.0\r\n\r\n"})
  void badRequestsGet400AndTheConnectionCloses(String why) throws Exception {
    newServer(LONG, LONG).createContext("/", ex -> {
      handled.incrementAndGet();
      reply(ex, 200, "handled");
    });
    String[] parts = why.split("\\|", 2);
    try (RawConn conn = new RawConn(start())) {
      String error = assertError(conn.send(parts[1]), 400);
      assertTrue(error.contains(parts[0]), error);
    }
    assertEquals(0, handled.get());
  }

  @Test
  void oversizedHeadsGet431Or414() throws Exception {
    serve();
    String headers = "GET / HTTP/1.1\r\nX-Big: ";
    try (RawConn conn = new RawConn(port)) { // just under the limit, after another request
      assertOk(conn.send(get("/hello") + "GET /hello HTTP/1.1\r\nX-Big: "
          + "a".repeat(60 * 1024) + "\r\n\r\n").reply(), "hello");
      assertOk(conn.reply(), "hello");
    }
    try (RawConn conn = new RawConn(port)) {
      assertError(conn.send(headers + "a".repeat(64 * 1024 - headers.length())), 431);
    }
    try (RawConn conn = new RawConn(port)) {
      assertError(conn.send("GET /" + "a".repeat(64 * 1024 - 5)), 414);
    }
  }

  @Test
  void aHeadNotWholeWithinRequestReadIsCutOffWithoutAReply() throws Exception {
    newServer(LONG, SHORT);
    try (RawConn conn = new RawConn(start())) {
      long millis = conn.send("GET /hello HTTP/1.1\r\nHost: t\r\n").awaitClose();
      assertTrue(millis > 700 && millis < 4000, "closed after " + millis + " ms");
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterKeepAliveIdle() throws Exception {
    newServer(SHORT, LONG);
    try (RawConn conn = new RawConn(start())) {
      assertOk(conn.send(get("/hello")).reply(), "hello");
      long millis = conn.awaitClose();
      assertTrue(millis > 700 && millis < 4000, "closed after " + millis + " ms");
    }
  }

  @Test
  void stopClosesIdleConnectionsAtOnceAndLetsAnExchangeFinish() throws Exception {
    newServer(LONG, LONG);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.createContext("/wait", ex -> {
      entered.countDown();
      await(release);
      reply(ex, 200, "done");
    });
    try (RawConn idle = new RawConn(start()); RawConn busy = new RawConn(port)) {
      assertOk(idle.send(get("/hello")).reply(), "hello");
      busy.send(get("/wait"));
      assertTrue(entered.await(5, TimeUnit.SECONDS));
      Thread stopping = new Thread(() -> server.stop(10));
      stopping.start();
      long millis = idle.awaitClose();
      assertTrue(millis < 1000, "the idle connection closed after " + millis + " ms");
      assertTrue(stopping.isAlive(), "stop returned while an exchange was in progress");
      release.countDown();
      RawConn.Reply last = busy.reply();
      assertOk(last, "done");
      assertEquals("close", last.header("Connection"));
      busy.awaitClose();
      stopping.join(5000);
      assertFalse(stopping.isAlive(), "stop did not return once the exchange finished");
    }
  }

  @Test
  void filtersAndTheAuthenticatorRunBeforeTheHandler() throws Exception {
    newServer(LONG, LONG);
    HttpContext context = server.createContext("/auth", ex -> reply(ex, 200,
        ex.getPrincipal().getUsername() + " " + ex.getAttribute("filtered")));
    context.getFilters().add(Filter.beforeHandler("marks the exchange", ex -> {
      ex.setAttribute("filtered", "yes");
      ex.getResponseHeaders().add("X-Filter", "ran");
    }));
    context.setAuthenticator(new Authenticator() {
      @Override
      public Result authenticate(HttpExchange ex) {
        String user = ex.getRequestHeaders().getFirst("X-User");
        if ("retry".equals(user)) {
          ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"t\"");
          return new Retry(401);
        }
        return "alice".equals(user) ? new Success(new HttpPrincipal("alice", "t"))
            : new Failure(403);
      }
    });
    start();
    HttpResponse<String> ok = send("/auth", "X-User", "alice");
    assertEquals(200, ok.statusCode());
    assertEquals("alice yes", ok.body());
    assertEquals("ran", ok.headers().firstValue("X-Filter").orElse(null));
    HttpResponse<String> retry = send("/auth", "X-User", "retry");
    assertEquals(401, retry.statusCode());
    assertEquals("Basic realm=\"t\"", retry.headers().firstValue("WWW-Authenticate").orElse(""));
    assertEquals(403, send("/auth", "X-User", "mallory").statusCode());
    try (RawConn conn = new RawConn(port)) { // a refusal keeps the connection
      RawConn.Reply refused = conn.send(get("/auth")).reply();
      assertEquals(403, refused.status());
      assertEquals("0", refused.header("Content-Length"));
      assertOk(conn.send("GET /auth HTTP/1.1\r\nX-User: alice\r\n\r\n").reply(), "alice yes");
    }
  }

  @Test
  void theLongestMatchingContextServesElse404() throws Exception {
    newServer(LONG, LONG);
    server.createContext("/ctx", ex -> reply(ex, 200, "ctx"));
    server.createContext("/ctx/deep", ex -> reply(ex, 200, "deep"));
    start();
    assertEquals("ctx", send("/ctx/x").body());
    assertEquals("deep", send("/ctx/deep/x").body());
    assertEquals("deep", send("/ctx/deeper").body()); // a prefix of the string, as the JDK's
    server.removeContext("/ctx/deep");
    assertEquals("ctx", send("/ctx/deep/x").body());
    try (RawConn conn = new RawConn(port)) {
      assertError(conn.send(get("/nowhere")), 404);
    }
  }

  @Test
  void theExchangeTellsAddressesProtocolAndAttributesAndTakesStreams() throws Exception {
    newServer(LONG, LONG).createContext("/who", ex -> {
      ex.setAttribute("k", "v");
      ex.setStreams(new ByteArrayInputStream("replaced".getBytes(UTF_8)),
          new FilterOutputStream(ex.getResponseBody()) {
            @Override
            public void write(int b) throws IOException {
              super.write(Character.toUpperCase(b));
            }
          });
      byte[] body = (ex.getRemoteAddress().getPort() + " " + ex.getLocalAddress().getPort() + " "
          + ex.getProtocol() + " " + ex.getAttribute("k") + " " + ex.getRequestMethod() + " "
          + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("x-test") + " "
          + new String(ex.getRequestBody().readAllBytes(), UTF_8)).getBytes(UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    try (RawConn conn = new RawConn(start())) {
      String prefix = conn.socket().getLocalPort() + " " + port + " ";
      conn.send("POST /who?q=1 HTTP/1.1\r\nX-Test: a\r\nContent-Length: 4\r\n\r\nbody");
      assertOk(conn.reply(), prefix + "HTTP/1.1 V POST /WHO?Q=1 A REPLACED");
      conn.send("GET /who HTTP/1.0\r\nConnection: keep-alive\r\nX-Test: b\r\n\r\n");
      assertOk(conn.reply(), prefix + "HTTP/1.0 V GET /WHO B REPLACED");
    }
  }

  @Test
  void aWriteToAClientThatReadsNothingGivesUpAfterRequestRead() throws Exception {
    newServer(LONG, SHORT);
    CompletableFuture<Long> stalled = new CompletableFuture<>();
    server.createContext("/flood", ex -> {
      ex.sendResponseHeaders(200, 0);
      byte[] piece = new byte[64 * 1024];
      long lastWrite = System.nanoTime();
      try {
        for (int i = 0; i < 4096; i++) { // 256 MiB: far more than any socket buffers
          ex.getResponseBody().write(piece);
          lastWrite = System.nanoTime();
        }
        stalled.completeExceptionally(new AssertionError("256 MiB went to a client not reading"));
      } catch (IOException e) {
        stalled.complete((System.nanoTime() - lastWrite) / 1_000_000);
        throw e;
      }
    });
    try (RawConn conn = new RawConn(start(), 4096)) {
      conn.send(get("/flood"));
      long millis = stalled.get(10, TimeUnit.SECONDS);
      assertTrue(millis > 700 && millis < 4000, "the write gave up after " + millis + " ms");
    }
  }

  @Test
  void aHeldReplyHearsOfTheClientsDeparture() throws Exception {
    newServer(LONG, LONG);
    CompletableFuture<List<Object>> seen = new CompletableFuture<>();
    CompletableFuture<Long> departed = new CompletableFuture<>();
    CountDownLatch armed = new CountDownLatch(1);
    server.createContext("/held", ex -> {
      HeldConnection held = (HeldConnection) ex;
      ex.sendResponseHeaders(200, 0);
      ex.getResponseBody().write("hi".getBytes(UTF_8));
      ex.getResponseBody().flush();
      int fd = held.descriptor();
      boolean openBefore = held.isOpen();
      held.watchDeparture(() -> departed.complete(System.nanoTime()));
      armed.countDown(); // the client closes only now
      try {
        departed.get(5, TimeUnit.SECONDS);
        CompletableFuture<Thread> again = new CompletableFuture<>();
        held.watchDeparture(() -> again.complete(Thread.currentThread()));
        seen.complete(List.of(fd, openBefore, held.isOpen(), again.isDone()));
      } catch (Exception e) {
        seen.completeExceptionally(e);
      }
      ex.close();
    });
    try (RawConn conn = new RawConn(start())) {
      assertEquals("chunked", conn.send(get("/held")).replyHead().header("Transfer-Encoding"));
      assertEquals("2\r\nhi\r\n", conn.readExactly(7));
      assertTrue(armed.await(5, TimeUnit.SECONDS));
      long closed = System.nanoTime();
      conn.close();
      long millis = (departed.get(2, TimeUnit.SECONDS) - closed) / 1_000_000;
      assertTrue(millis < 500, "the departure was heard after " + millis + " ms");
      List<Object> held = seen.get(2, TimeUnit.SECONDS);
      assertTrue((Integer) held.get(0) >= 0, "descriptor " + held.get(0));
      assertEquals(List.of(true, false, true), held.subList(1, 4),
          "open before, open after, a late watch runs at once");
    }
  }

  @Test
  void rawBytesGoBeneathTheChunksAndAReplyEndedElsewhereSendsNoLastChunk() throws Exception {
    newServer(LONG, LONG).createContext("/raw", ex -> {
      HeldConnection held = (HeldConnection) ex;
      ex.sendResponseHeaders(200, 0);
      ex.getResponseBody().write("abc".getBytes(UTF_8));
      ex.getResponseBody().flush();
      held.raw().write("2\r\nxy\r\n0\r\n\r\n".getBytes(UTF_8));
      held.replyEndedElsewhere();
      ex.close();
    });
    try (RawConn conn = new RawConn(start())) {
      RawConn.Reply reply = conn.send(get("/raw")).reply();
      assertEquals("3\r\nabc\r\n2\r\nxy\r\n0\r\n\r\n", reply.wireText());
      assertOk(conn.send(get("/hello")).reply(), "hello"); // no stray last chunk before it
    }
  }

  @Test
  void aRealClientSendsAndGetsLargeBodiesWhole() throws Exception { // in writes of all sizes
    serve();
    byte[] upload = new byte[300_000];
    new Random(7).nextBytes(upload);
    for (boolean expectContinue : new boolean[] {false, true}) {
      HttpResponse<byte[]> echoed = client.send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + port + "/echo")).timeout(LONG).expectContinue(expectContinue)
          .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, echoed.statusCode());
      assertArrayEquals(upload, echoed.body());
    }
    for (String path : new String[] {"/big", "/big?fixed"}) { // chunked, then a fixed length
      HttpResponse<String> reply = send(path);
      assertEquals(200, reply.statusCode());
      assertEquals(BIG, reply.body(), path);
      assertTrue(reply.headers().firstValue("Date").orElse("").matches(IMF_FIXDATE));
    }
  }
}
