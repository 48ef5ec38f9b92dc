package io.github.resilientredis.it.bridgefaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.bridgefaults.BridgeClient.Reply;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * Every kind of bad request the issue lists, sent to a bridge over a real Redis: each gets a 4xx
 * (or 503) with a JSON {@code {"error": ...}} body, or its connection is closed where HTTP allows
 * nothing else, and a normal request right after it is served quickly.
 */
class BridgeBadRequestsIT {

  private static final Logger log = LoggerFactory.getLogger(BridgeBadRequestsIT.class);
  private static final String TOKEN = "bad-requests-token";
  private static final String AUTH = "Authorization: Bearer " + TOKEN + "\r\n";
  private static final int MAX_BODY = 4096;
  private static final int MAX_URL = 1024;
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeClient http;

  @BeforeAll
  static void start() {
    BridgeClient.init();
    redis = RedisContainers.redis();
    redis.start();
    bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0).tokens(TOKEN)
        .maxBody(MAX_BODY).maxUrl(MAX_URL).maxArgs(50).maxPipeline(10).start();
    http = new BridgeClient(bridge.url(), TOKEN);
    http.assertServes("bad:warmup");
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    if (redis != null) {
      redis.stop();
    }
  }

  private static RawHttp.Reply raw(String request) throws IOException {
    return RawHttp.exchange(http.port, request, DEADLINE);
  }

  private static RawHttp.Reply raw(byte[] request) throws IOException {
    return RawHttp.exchange(http.port, request, DEADLINE);
  }

  /** A raw reply with this status and a JSON error body holding {@code text}. */
  private static void expectError(RawHttp.Reply reply, int status, String text) {
    assertEquals(status, reply.status(), reply::toString);
    String error = BridgeClient.errorText(reply.header("Content-Type"), reply.body());
    assertTrue(error.contains(text), () -> "error '" + error + "' should contain '" + text + "'");
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      out.writeBytes(part instanceof byte[] b ? b
          : part.toString().getBytes(StandardCharsets.ISO_8859_1));
    }
    return out.toByteArray();
  }

  private static byte[] postJson(String path, byte[] body) {
    return bytes("POST ", path, " HTTP/1.1\r\nHost: localhost\r\n", AUTH,
        "Content-Type: application/json\r\nContent-Length: ", body.length,
        "\r\nConnection: close\r\n\r\n", body);
  }

  @Test
  void malformedJsonIs400() {
    for (String body : List.of("[", "]", "[\"GET\"", "[\"GET\",]", "[\"GET\" \"k\"]", "['GET']",
        "[GET]", "[\"GET\",\"k\"]]", "[\"GET\"] [\"GET\"]", "[\"GET\",\"unterminated]",
        "[\"GET\",\"\\x41\"]", "[\"GET\",\"\\u12\"]", "[\"GET\",01]", "[\"GET\",NaN]",
        "[\"GET\",1e]", "[\"PING\"]//", "[\"PING\"] x", "[/*c*/\"PING\"]")) {
      Reply reply = http.post("/", body, "Content-Type", "application/json");
      assertEquals(400, reply.status(), () -> body + " -> " + reply);
      reply.expectError(400, "ERR");
    }
    http.post("/pipeline", "[[\"PING\"],", "Content-Type", "application/json")
        .expectError(400, "ERR");
    http.post("/multi-exec", "[[\"PING\"]] [", "Content-Type", "application/json")
        .expectError(400, "ERR");
    http.assertServes("bad:json");
  }

  @Test
  void wrongJsonTypesAre400AndNothingRuns() {
    for (String body : List.of("{}", "{\"command\":[\"SET\",\"bad:t\",\"1\"]}", "null", "\"GET\"",
        "42", "true", "[null]", "[\"SET\",\"bad:t\",null]", "[\"SET\",\"bad:t\",{\"v\":1}]",
        "[\"SET\",\"bad:t\",[\"1\"]]", "[[\"SET\",\"bad:t\",\"1\"]]", "[[[\"SET\"]]]",
        "[{\"SET\":\"bad:t\"}]", "[true,\"bad:t\"]", "[1,2,3]")) {
      Reply reply = http.post("/", body, "Content-Type", "application/json");
      assertTrue(reply.status() == 400, () -> body + " -> " + reply);
      BridgeClient.errorText(reply.header("Content-Type"), reply.bytes());
    }
    for (String body : List.of("{}", "[\"SET\",\"bad:t\",\"1\"]", "[[\"SET\",\"bad:t\",\"1\"],null]",
        "[[\"SET\",\"bad:t\",\"1\"],{}]", "[[\"SET\",\"bad:t\",[\"1\"]]]", "null", "[[]]")) {
      http.post("/pipeline", body).expectError(400, "ERR");
      http.post("/multi-exec", body).expectError(400, "ERR");
    }
    assertNull(RedisProbe.get(redis, "bad:t"), "a refused request runs nothing");
    http.assertServes("bad:types");
  }

  @Test
  void emptyCommandsAre400() throws IOException {
    http.post("/", "[]", "Content-Type", "application/json").expectError(400, "empty command");
    http.post("/", "[\"\"]", "Content-Type", "application/json")
        .expectError(400, "empty command name");
    http.post("/", "   ", "Content-Type", "application/json").expectError(400, "ERR");
    http.post("/pipeline", "[]").expectError(400, "no command");
    http.post("/multi-exec", "[[\"PING\"],[]]").expectError(400, "empty command (command 1)");
    http.get("/").expectError(400, "no command");
    http.post("/", "").expectError(400, "no command");
    // "//" is not a URI path the JDK parses: its own 400.
    assertJsonErrorOrJdkParserReply(raw("GET // HTTP/1.1\r\nHost: x\r\n" + AUTH
        + "Connection: close\r\n\r\n"));
    http.get("/0/").expectError(400, "no command");
    http.get("/3//").expectError(400, "no command");
    expectError(raw("GET / HTTP/1.1\r\nHost: x\r\n" + AUTH + "Connection: close\r\n\r\n"), 400,
        "no command");
    http.assertServes("bad:empty");
  }

  @Test
  void bodiesOverMaxBodyAre413AndTheConnectionIsClosed() throws IOException {
    String big = "[\"SET\",\"bad:big\",\"" + "x".repeat(MAX_BODY) + "\"]";
    http.post("/", big, "Content-Type", "application/json").expectError(413, "max-body");
    http.post("/pipeline", "[" + big + "]").expectError(413, "max-body");
    http.send("PUT", "/SET/bad:big", new byte[MAX_BODY + 1]).expectError(413, "max-body");
    // Declared far larger than what follows: refused on the header, before reading any body.
    RawHttp.Reply declared = raw("POST / HTTP/1.1\r\nHost: x\r\n" + AUTH
        + "Content-Type: application/json\r\nContent-Length: 1099511627776\r\n\r\n[\"PING\"]");
    expectError(declared, 413, "max-body");
    assertEquals("close", declared.header("Connection"), declared::toString);
    // Chunked with no length: cut off at max-body.
    StringBuilder chunked = new StringBuilder("POST /SET/bad:big HTTP/1.1\r\nHost: x\r\n" + AUTH
        + "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; i++) {
      chunked.append(Integer.toHexString(MAX_BODY)).append("\r\n").append("y".repeat(MAX_BODY))
          .append("\r\n");
    }
    chunked.append("0\r\n\r\n");
    expectError(raw(chunked.toString()), 413, "max-body");
    assertNull(RedisProbe.get(redis, "bad:big"));
    http.assertServes("bad:body");
  }

  @Test
  void urlsOverMaxUrlAre414() throws IOException {
    http.get("/GET/" + "k".repeat(MAX_URL)).expectError(414, "max-url");
    http.get("/GET/k?pad=" + "q".repeat(MAX_URL)).expectError(414, "max-url");
    http.get("/SET/bad:url/" + "%41".repeat(MAX_URL / 3 + 1)).expectError(414, "max-url");
    // Far beyond max-url, and beyond what many servers read at all: a 4xx or a close, nothing else.
    RawHttp.Reply huge = raw("GET /GET/" + "k".repeat(1024 * 1024) + " HTTP/1.1\r\nHost: x\r\n"
        + AUTH + "Connection: close\r\n\r\n");
    assertTrue(huge.closedWithoutReply() || huge.status() == 414 || huge.status() == 431
        || huge.status() == 400, huge::toString);
    if (huge.status() == 414) {
      expectError(huge, 414, "max-url");
    }
    assertNull(RedisProbe.get(redis, "bad:url"));
    http.assertServes("bad:url");
  }

  @Test
  void badPercentEncodingIsRefusedOrTakenLiterally() throws IOException {
    // The JDK parses the request target as a URI first: an invalid escape is its 400, sent before
    // the bridge sees the request. Whatever answers, it is a 4xx and the server keeps serving.
    for (String target : List.of("/SET/bad:pct/%zz", "/SET/bad:pct/%4", "/SET/bad:pct/%",
        "/SET/bad:pct/%%41", "/SET%/bad:pct/1", "/%G1/k")) {
      RawHttp.Reply reply = raw("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + AUTH
          + "Connection: close\r\n\r\n");
      log.info("bad percent-encoding {} -> {}", target, reply);
      assertTrue(reply.status() >= 400 && reply.status() < 500, () -> target + " -> " + reply);
      assertJsonErrorOrJdkParserReply(reply);
    }
    // In a Webdis POST body there is no URI parser in front: a '%' without two hex digits stays.
    Reply literal = http.post("/", "SET/bad:pct/100%zz%4");
    assertEquals(200, literal.status(), literal::toString);
    assertEquals("100%zz%4", RedisProbe.get(redis, "bad:pct"));
    http.assertServes("bad:pct");
  }

  @Test
  void invalidUtf8IsRefusedAsTextAndKeptAsBytes() throws IOException {
    byte[] notUtf8 = {(byte) 0xff, (byte) 0xfe, (byte) 0xc0, (byte) 0xaf};
    // In a JSON body: 400 (overlong, stray continuation bytes, a lone surrogate, a cut sequence).
    for (byte[] bad : List.of(notUtf8, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        new byte[] {(byte) 0xe2, (byte) 0x82}, new byte[] {(byte) 0x80})) {
      expectError(raw(postJson("/", bytes("[\"SET\",\"bad:utf8\",\"", bad, "\"]"))), 400,
          "UTF-8");
      expectError(raw(postJson("/pipeline", bytes("[[\"SET\",\"bad:utf8\",\"", bad, "\"]]"))),
          400, "UTF-8");
    }
    assertNull(RedisProbe.get(redis, "bad:utf8"));
    // In the path a value is bytes (Webdis is binary-safe): stored intact, and refused as JSON.
    RawHttp.Reply stored = raw(bytes("GET /SET/bad:bin/", notUtf8, " HTTP/1.1\r\nHost: x\r\n",
        AUTH, "Connection: close\r\n\r\n"));
    log.info("invalid UTF-8 in a path value -> {}", stored);
    if (stored.status() == 200) {
      http.get("/GET/bad:bin").expectError(406, "UTF-8");
      http.post("/", "[\"GET\",\"bad:bin\"]").expectError(406, "base64");
    } else {
      assertTrue(stored.status() >= 400 && stored.status() < 500, stored::toString);
      assertJsonErrorOrJdkParserReply(stored);
    }
    http.get("/SET/bad:bin2/%FF%FE%C0%AF").expect(200);
    http.get("/GET/bad:bin2").expectError(406, ".raw");
    // A command name that is not UTF-8 is refused before it reaches Redis.
    http.get("/%FF%FE/k").expectError(400, "UTF-8");
    expectError(raw(bytes("GET /", notUtf8, "/k HTTP/1.1\r\nHost: x\r\n", AUTH,
        "Connection: close\r\n\r\n")), 400, "UTF-8");
    http.assertServes("bad:utf8");
  }

  @Test
  void unknownMethodsAre405WithAllow() throws IOException {
    for (String method : List.of("DELETE", "PATCH", "OPTIONS", "TRACE", "BREW", "PROPFIND")) {
      Reply reply = http.send(method, "/GET/k", null);
      reply.expectError(405, method);
      assertEquals("GET, POST, PUT", reply.header("Allow"));
    }
    http.send("GET", "/pipeline", null).expectError(405, "POST");
    assertEquals("POST", http.send("PUT", "/multi-exec", new byte[0]).expect(405).header("Allow"));
    assertEquals("GET", http.send("POST", "/health", new byte[0]).expect(405).header("Allow"));
    assertEquals("GET", http.send("DELETE", "/metrics", null).expect(405).header("Allow"));
    // HEAD has no body by definition: the status and Allow still say it.
    RawHttp.Reply head = raw("HEAD /GET/k HTTP/1.1\r\nHost: x\r\n" + AUTH
        + "Connection: close\r\n\r\n");
    assertEquals(405, head.status(), head::toString);
    assertEquals("GET, POST, PUT", head.header("Allow"));
    http.assertServes("bad:method");
  }

  @Test
  void missingOrWrongTokensAre401() throws IOException {
    BridgeClient anonymous = new BridgeClient(bridge.url(), null);
    Reply missing = anonymous.get("/SET/bad:auth/1").expectError(401, "Unauthorized");
    assertEquals("Bearer", missing.header("WWW-Authenticate"));
    anonymous.post("/", "[\"SET\",\"bad:auth\",\"1\"]").expectError(401, "Unauthorized");
    anonymous.post("/pipeline", "[[\"SET\",\"bad:auth\",\"1\"]]").expectError(401, "Unauth");
    anonymous.get("/metrics").expectError(401, "Unauthorized");
    for (String header : List.of("Bearer wrong", "Bearer ", "Bearer " + TOKEN + "x",
        "Bearer " + TOKEN.toUpperCase(), "Basic " + TOKEN, TOKEN, "Bearer  " + TOKEN + " x")) {
      anonymous.send("GET", "/SET/bad:auth/1", null, "Authorization", header)
          .expectError(401, "Unauthorized");
    }
    anonymous.get("/SET/bad:auth/1?_token=wrong").expectError(401, "wrong token");
    anonymous.get("/SET/bad:auth/1?_token=").expectError(401, "Unauthorized");
    // Not UTF-8 in the header: a wrong token like any other.
    expectError(raw(bytes("GET /SET/bad:auth/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ",
        new byte[] {(byte) 0xff, (byte) 0xc0}, "\r\nConnection: close\r\n\r\n")), 401,
        "Unauthorized");
    // A large body without a token is refused before it is read.
    anonymous.send("PUT", "/SET/bad:auth", new byte[MAX_BODY - 1]).expectError(401, "Unauth");
    assertNull(RedisProbe.get(redis, "bad:auth"));
    anonymous.get("/health").expect(200);
    anonymous.get("/ready").expect(200);
    http.assertServes("bad:auth");
  }

  @Test
  void deniedCommandsAre403AndNeverReachRedis() {
    http.get("/SET/bad:keep/1").expect(200);
    http.get("/FLUSHALL").expectError(403, "dangerous");
    http.get("/flushdb/async").expectError(403, "dangerous");
    http.post("/", "[\"FlushAll\"]").expectError(403, "dangerous");
    http.post("/", "[\"CONFIG\",\"SET\",\"maxmemory\",\"1\"]").expectError(403, "dangerous");
    http.post("/", "[\"CLIENT\",\"KILL\",\"TYPE\",\"normal\"]").expectError(403, "dangerous");
    http.post("/", "[\"DEBUG\",\"SLEEP\",\"10\"]").expectError(403, "dangerous");
    http.post("/pipeline", "[[\"SET\",\"bad:p\",\"1\"],[\"FLUSHALL\"]]")
        .expectError(403, "FLUSHALL (command 1)");
    http.post("/multi-exec", "[[\"SET\",\"bad:p\",\"1\"],[\"SHUTDOWN\"]]")
        .expectError(403, "SHUTDOWN (command 1)");
    http.get("/0/FLUSHDB").expectError(403, "dangerous");
    assertEquals("1", RedisProbe.get(redis, "bad:keep"));
    assertNull(RedisProbe.get(redis, "bad:p"), "a refused pipeline runs nothing");
    http.assertServes("bad:denied");
  }

  /**
   * A bridge reply carries a JSON error. A request line or header that the JDK's own HTTP parser
   * refuses never reaches the bridge: the JDK answers it (an HTML body, {@code Connection: close}),
   * which the bridge cannot change; that is accepted only with exactly that shape.
   */
  static void assertJsonErrorOrJdkParserReply(RawHttp.Reply reply) {
    if (isJdkParserReply(reply)) {
      return;
    }
    BridgeClient.errorText(reply.header("Content-Type"), reply.body());
  }

  static boolean isJdkParserReply(RawHttp.Reply reply) {
    return reply.status() >= 400 && reply.status() < 500
        && "text/html".equals(reply.header("Content-Type")) && reply.text().startsWith("<h1>")
        && "close".equalsIgnoreCase(reply.header("Connection"));
  }
}
